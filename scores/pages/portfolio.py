"""The portfolio page: headline tiles, the maturity matrix, the capital priority table,
relationships at risk, early warnings and the history of exposure and maturity."""

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from core import language
from core.dates import SDP_HORIZON_QUARTERS, quarter_before
from portfolio.models import Site
from scores import selectors
from scores.figures import finance, maturity
from scores.figures.rollup import aggregate, compare, exposure_split
from scores.pages.common import (
    NOTHING_AVOIDED,
    history,
    history_days,
    nothing_addressable,
    nothing_addressable_sentence,
    window_label,
)
from scores.snapshot import SCORE_COLUMNS, Detail


@dataclass
class PortfolioPage:
    """Everything the portfolio page shows (templates/scores/portfolio.html)."""

    portfolio: object
    standard: object
    as_of: dt.date | None
    previous_day: dt.date | None
    figures: dict
    previous: dict | None
    changes: dict
    newly_scored: list
    sites: list[dict]
    capital: list[dict]
    unplanned_sites: list
    relationships: list[dict]
    warnings: list[dict]
    history: list[dict]
    window: str | None
    tiles: list[dict]


def portfolio_page(portfolio, *, as_of, budget, quarters) -> PortfolioPage:
    """The portfolio page as of ``as_of`` (None: each site's newest snapshot)."""
    standard = selectors.portfolio_standard(portfolio)
    values = selectors.standard_values(standard)
    sites = list(Site.objects.filter(portfolio=portfolio).order_by("name"))
    ids = [s.pk for s in sites]
    snapshots = {row["site_id"]: row for row in selectors.snapshot_rows(ids, as_of)}
    figures = aggregate(list(snapshots.values()), values)
    last_day = dt.date.fromisoformat(figures["as_of_last"]) if figures["as_of_last"] else None
    previous_day = quarter_before(last_day) if last_day else None
    previous_rows = selectors.snapshot_rows(ids, previous_day) if previous_day else []
    # Like for like: the change counts only sites scored on both days, so a site scored for
    # the first time does not read as growth.
    compared = {row["site_id"] for row in previous_rows}
    same_sites = aggregate([r for r in snapshots.values() if r["site_id"] in compared], values)
    previous = aggregate(previous_rows, values) if previous_rows else None
    changes = compare(same_sites, previous)
    rows = [_site_row(site, snapshots.get(site.pk), values) for site in sites]
    proposals = selectors.capital_proposals(ids)
    window = window_label(figures)
    return PortfolioPage(
        portfolio=portfolio,
        standard=standard,
        as_of=as_of,
        previous_day=previous_day,
        figures=figures,
        previous=previous,
        changes=changes,
        newly_scored=[s for s in sites if s.pk in snapshots and previous and s.pk not in compared],
        sites=rows,
        capital=capital_plan(rows, proposals, budget),
        unplanned_sites=[r["site"] for r in rows if r["site"].pk not in proposals],
        relationships=_relationships_at_risk(rows),
        warnings=_early_warnings(rows),
        history=history(ids, history_days(last_day, quarters), values) if last_day else [],
        window=window,
        tiles=headline_tiles(portfolio, figures, changes, window),
    )


def _site_row(site, snapshot: dict | None, standard: dict) -> dict:
    """A site of the maturity matrix: its snapshot row, how each dimension stands against
    the standard, the values behind the scores, and its exposure split."""
    if snapshot is None:
        return {
            "site": site,
            "snapshot": None,
            "status": {},
            "maturity_values": {},
            "split": exposure_split(None, None),
        }
    values = snapshot["details"][Detail.MATURITY]["values"]
    return {
        "site": site,
        "snapshot": snapshot,
        "status": {d: maturity.dimension_status(d, values, standard) for d in SCORE_COLUMNS},
        "maturity_values": values,
        "split": exposure_split(snapshot["penalty_exposure"], snapshot["addressable_exposure"]),
    }


def capital_plan(site_rows: list[dict], proposals: dict, budget: float | None) -> list[dict]:
    """The capital priority table: sites with a proposed investment, ranked by the annual
    exposure they are expected to avoid per dollar (finance.capital_priority), with the
    cumulative budget and whether ``budget`` funds them. Avoided exposure is the snapshot's
    addressable exposure × the standard's expected reduction ("avoidable")."""
    frame = pd.DataFrame(
        [
            {
                "site_id": row["site"].pk,
                "investment": float(proposals[row["site"].pk].amount),
                "avoided": row["snapshot"]["details"][Detail.ADDRESSABLE_EXPOSURE]["avoidable"]
                if row["snapshot"]
                else None,
            }
            for row in site_rows
            if row["site"].pk in proposals
        ],
        columns=["site_id", "investment", "avoided"],
    )
    ranked = finance.capital_priority(frame, budget)
    by_id = {row["site"].pk: row for row in site_rows}
    return [
        {
            **record,
            "site": by_id[record["site_id"]]["site"],
            "snapshot": by_id[record["site_id"]]["snapshot"],
            "proposal": proposals[record["site_id"]],
            "nothing_avoided": _nothing_avoided(by_id[record["site_id"]]["snapshot"]),
        }
        for record in ranked.to_dict("records")
    ]


def _nothing_avoided(snapshot: dict | None) -> str | None:
    """Why a capital row avoids nothing, in words for its "avoided" cell (None: it avoids
    something, or the site has no scores)."""
    if snapshot is None:
        return None
    reason = nothing_addressable(
        snapshot["penalty_exposure"],
        snapshot["addressable_exposure"],
        snapshot["details"][Detail.ADDRESSABLE_EXPOSURE]["avoidable"],
    )
    return NOTHING_AVOIDED.get(reason)


def _addressable_sentence(name: str, figures: dict, currency: str) -> str | None:
    """What condition monitoring can remove of the portfolio's exposure, or why nothing."""
    reason = nothing_addressable(figures["penalty_exposure"], figures["addressable_exposure"])
    if reason is not None:
        return nothing_addressable_sentence(name, reason, None)
    return language.addressable_exposure_sentence(
        name, figures["addressable_exposure"], currency=currency
    )


def _relationships_at_risk(rows: list[dict]) -> list[dict]:
    """OEM relationships with a probability of SDP review, largest revenue at risk first."""
    out = [
        {**relationship, "site": row["site"], "as_of": row["snapshot"]["as_of"]}
        for row in rows
        if row["snapshot"] is not None
        for relationship in row["snapshot"]["details"][Detail.REVENUE_AT_RISK]
    ]
    return sorted(out, key=lambda r: -(r["revenue_at_risk"] or 0.0))


def _early_warnings(rows: list[dict]) -> list[dict]:
    return [
        {**warning, "site": row["site"], "as_of": row["snapshot"]["as_of"]}
        for row in rows
        if row["snapshot"] is not None
        for warning in row["snapshot"]["details"][Detail.EARLY_WARNINGS]
    ]


def headline_tiles(portfolio, figures: dict, changes: dict, as_of: str | None) -> list[dict]:
    """The portfolio page's headline tiles: value, window, executive sentence, change
    against one quarter earlier, and how the figure is computed."""
    f, name, currency = figures, portfolio.name, portfolio.currency
    trailing = f"trailing 12 months, {as_of}" if as_of else None
    spread = f["oee_spread"]
    tiles = [
        (
            "penalty_exposure",
            "OEM penalty exposure",
            "money",
            trailing,
            language.penalty_exposure_sentence(name, f["penalty_exposure"], currency=currency),
            "Σ over sites of penalties invoiced in the trailing 12 months (annualised on "
            "shorter history)",
        ),
        (
            "addressable_share",
            "Addressable share of exposure",
            "percent",
            trailing,
            _addressable_sentence(name, f, currency),
            "Σ exposure from failures whose mode condition monitoring detects ÷ Σ exposure",
        ),
        (
            "revenue_at_risk",
            "Preferred-supplier revenue at risk",
            "money",
            f"next {SDP_HORIZON_QUARTERS} quarters of scorecards, {as_of}" if as_of else None,
            language.revenue_at_risk_total_sentence(name, f["revenue_at_risk"], None, currency),
            "Σ relationship revenue × P(SDP review) from the scorecard trend",
        ),
        (
            "production_value_at_risk",
            "Production value at risk",
            "money",
            f"next 12 months, {as_of}" if as_of else None,
            language.production_value_at_risk_sentence(
                name, f["production_value_at_risk"], currency=currency
            ),
            "Σ Tier 1 assets P(failure in 12 months) × downtime h × value per h",
        ),
        (
            "maintenance_cost_pct_revenue",
            "Maintenance cost, % of revenue",
            "percent1",
            trailing,
            language.maintenance_cost_sentence(name, f["maintenance_cost_pct_revenue"]),
            "Σ site maintenance spend ÷ Σ site revenue",
        ),
        (
            "oee",
            "OEE (time-weighted)",
            "percent1",
            trailing,
            (
                f"Spread across sites {spread['points']:.1f} points (σ {spread['std_points']:.1f})."
                if spread["points"] is not None
                else None
            ),
            "Availability × performance × quality from the summed minutes and counts of all "
            "sites (ISO 22400-2), never an average of ratios",
        ),
    ]
    return [
        {
            "key": key,
            "label": label,
            "kind": kind,
            "value": f[key],
            "window": window,
            "sentence": sentence,
            "change": changes.get(key, {}).get("change"),
            "direction": changes.get(key, {}).get("direction"),
            "how": how,
        }
        for key, label, kind, window, sentence, how in tiles
    ]
