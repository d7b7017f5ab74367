"""The OEM relationship and customer pages, and the index of customers: the probability of
SDP review and revenue at risk stored in the sites' snapshots, the scorecard trend behind
them, and the penalties."""

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from django.core.paginator import Page, Paginator

from core import language
from core.dates import SDP_HORIZON_QUARTERS
from oem import metrics as oem_metrics
from oem import selectors as oem_selectors
from scores import selectors
from scores.pages.common import NO_SNAPSHOT

PENALTY_PAGE_SIZE = 25
PENALTY_QUARTERS = 8


def _horizon_text(projection: dict | None, horizon: int) -> str:
    """The projection horizon in words, e.g. "within 4 quarters, by 2027Q3"."""
    if projection:
        return (
            f"within {horizon} quarters, "
            f"by {projection['projected_year']}Q{projection['projected_quarter']}"
        )
    return f"within {horizon} quarters"


@dataclass
class RelationshipPage:
    """One OEM relationship (templates/scores/relationship.html): the probability of SDP
    review and revenue at risk stored in the site's latest snapshot (``stored``: what every
    page and export says), the scorecard trend recomputed from the relationship's rows as
    known on the snapshot's day (``risk``: the line behind the stored figure), and the
    penalties per quarter and one by one."""

    rel: object
    currency: str
    today: dt.date
    snapshot: dict | None
    stored: dict | None
    scores: pd.DataFrame
    risk: dict
    horizon_text: str
    stale: bool
    sentence: str | None
    penalty_quarters: pd.Series
    page: Page  # the penalties, paginated (includes/pager.html reads ``page``)
    penalty_count: int
    no_snapshot: str = NO_SNAPSHOT


def relationship_page(relationship, *, today: dt.date, penalty_page: str | None):
    """The page of ``relationship`` (one the user may see), as of ``today``."""
    currency = relationship.site.portfolio.currency
    snapshot = selectors.site_risk_snapshots([relationship.site_id]).get(relationship.site_id)
    stored = snapshot["rows"].get(relationship.pk) if snapshot else None
    # horizon_quarters is an optional extra of a window (scores.snapshot.WindowInfo)
    window = snapshot["window"] if snapshot else {}
    horizon = window.get("horizon_quarters", SDP_HORIZON_QUARTERS)
    # The chart uses the snapshot's day, so its line is the one behind the stored probability.
    scores = oem_selectors.relationship_scorecards(relationship.pk)
    risk = oem_selectors.relationship_risk(
        relationship, scores, snapshot["as_of"] if snapshot else today, horizon
    )
    horizon_text = _horizon_text(risk["projection"], horizon)
    page = Paginator(
        oem_selectors.relationship_penalties(relationship.pk), PENALTY_PAGE_SIZE
    ).get_page(penalty_page)
    return RelationshipPage(
        rel=relationship,
        currency=currency,
        today=today,
        snapshot=snapshot,
        stored=stored,
        scores=scores,
        risk=risk,
        horizon_text=horizon_text,
        stale=stored is not None
        and not (
            oem_selectors.same_figure(stored["probability"], risk["probability"])
            and oem_selectors.same_figure(stored["revenue_at_risk"], risk["revenue_at_risk"])
        ),
        sentence=stored
        and language.revenue_at_risk_sentence(
            relationship.customer.name,
            stored["annual_revenue"],
            stored["probability"],
            horizon_text,
            currency=currency,
        ),
        penalty_quarters=oem_selectors.relationship_penalty_quarters(
            relationship.pk, today, PENALTY_QUARTERS
        ),
        page=page,
        penalty_count=page.paginator.count,  # every record, not only the chart's quarters
    )


def _customer_row(row: dict, snapshot: dict | None) -> dict:
    """A relationship of the customer page with what its site's latest snapshot stored
    for it (``risk``) and that figure in executive language."""
    relationship = row["relationship"]
    risk = snapshot["rows"].get(relationship.pk) if snapshot else None
    window = snapshot["window"] if snapshot else {}
    horizon = window.get("horizon_quarters", SDP_HORIZON_QUARTERS)  # an optional extra
    return {
        **row,
        "snapshot_as_of": snapshot["as_of"] if snapshot else None,
        "snapshot_window": window,
        "risk": risk,
        "sentence": risk
        and language.revenue_at_risk_sentence(
            relationship.customer.name + f" ({relationship.site.name})",
            risk["annual_revenue"],
            risk["probability"],
            f"within {horizon} quarters of the last scorecard",
            currency=relationship.site.portfolio.currency,
        ),
    }


@dataclass
class CustomerPage:
    """One OEM customer across the sites the user sees (templates/scores/customer.html):
    its relationships with their scores and stored SDP probability, the revenue at risk and
    the penalties per quarter by site, one total and one chart per currency."""

    customer: object
    rows: list[dict]
    totals: list[tuple[str, dict]]
    penalties_by_currency: list[tuple[str, list]]
    as_of_days: list[dt.date]
    today: dt.date
    horizon: int = SDP_HORIZON_QUARTERS
    no_snapshot: str = NO_SNAPSHOT


def customer_page(user, code: str, *, today: dt.date) -> CustomerPage | None:
    """The page of OEM customer ``code``; None when ``user`` sees none of its relationships."""
    rows = oem_selectors.customer_relationships(user, code)
    if not rows:
        return None
    snapshots = selectors.site_risk_snapshots({row["relationship"].site_id for row in rows})
    rows = [_customer_row(row, snapshots.get(row["relationship"].site_id)) for row in rows]
    penalties = [
        (
            currency,
            oem_selectors.penalty_quarters_by_site(
                [row["relationship"] for row in mine], today, PENALTY_QUARTERS
            ),
        )
        for currency, mine in _by_currency(rows)
    ]
    return CustomerPage(
        customer=rows[0]["relationship"].customer,
        rows=rows,
        totals=revenue_at_risk_totals(rows),
        penalties_by_currency=penalties,
        as_of_days=sorted({row["snapshot_as_of"] for row in rows if row["snapshot_as_of"]}),
        today=today,
    )


def _by_currency(rows: list[dict]) -> list[tuple[str, list[dict]]]:
    """``rows`` (each with its ``relationship``) grouped by their portfolio's currency:
    money adds up only within one currency."""
    currencies = sorted({row["relationship"].site.portfolio.currency for row in rows})
    return [
        (currency, [r for r in rows if r["relationship"].site.portfolio.currency == currency])
        for currency in currencies
    ]


def revenue_at_risk_totals(rows: list[dict]) -> list[tuple[str, dict]]:
    """Per currency, the revenue at risk of ``rows`` (each with ``relationship`` and the
    ``risk`` its site's latest snapshot stored, or None): ``oem.metrics.
    revenue_at_risk_total``, so a relationship not yet scored is counted as unknown, not 0."""
    return [
        (
            currency,
            oem_metrics.revenue_at_risk_total(
                [row["risk"]["revenue_at_risk"] if row["risk"] else None for row in mine]
            ),
        )
        for currency, mine in _by_currency(rows)
    ]


@dataclass
class CustomerIndexPage:
    """The OEM customers with a relationship at a site the user sees
    (templates/scores/customers.html), by name: each with how many of those relationships
    and sites, and their revenue at risk as the customer page totals it."""

    customers: list[dict]
    as_of_days: list[dt.date]
    horizon: int = SDP_HORIZON_QUARTERS
    no_snapshot: str = NO_SNAPSHOT


def customer_index(user) -> CustomerIndexPage:
    """Every OEM customer ``user`` sees a relationship of, with the relationships' count and
    revenue at risk from each site's latest snapshot. Two queries: the relationships (with
    customer, site and portfolio) and the snapshots."""
    relationships = list(
        oem_selectors.visible_relationships(user).order_by("customer__name", "customer__code", "pk")
    )
    snapshots = selectors.site_risk_snapshots({r.site_id for r in relationships})
    by_customer: dict[int, list[dict]] = {}
    for relationship in relationships:
        snapshot = snapshots.get(relationship.site_id)
        by_customer.setdefault(relationship.customer_id, []).append(
            {
                "relationship": relationship,
                "risk": snapshot["rows"].get(relationship.pk) if snapshot else None,
                "snapshot_as_of": snapshot["as_of"] if snapshot else None,
            }
        )
    customers = [
        {
            "customer": rows[0]["relationship"].customer,
            "relationships": len(rows),
            "sites": len({row["relationship"].site_id for row in rows}),
            "totals": revenue_at_risk_totals(rows),
        }
        for rows in by_customer.values()
    ]
    days = {row["snapshot_as_of"] for rows in by_customer.values() for row in rows}
    return CustomerIndexPage(customers=customers, as_of_days=sorted(d for d in days if d))
