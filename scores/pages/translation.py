"""The translation table (SPEC §5): each figure of a snapshot beside its one-sentence
financial translation, with its window; the rows the site page and the board slides share."""

import datetime as dt
from dataclasses import dataclass

from core import language
from portfolio.models import Site
from scores import selectors
from scores.pages.common import nothing_addressable, nothing_addressable_sentence
from scores.snapshot import Detail, Window

#: The window each sentence of the translation table names.
TRANSLATION_WINDOWS = {
    "penalty_exposure": Window.PENALTY_EXPOSURE,
    "addressable_exposure": Window.PENALTY_EXPOSURE,
    "emergency_premium": Window.EMERGENCY_PREMIUM,
    "production_value_at_risk": Window.PRODUCTION_VALUE_AT_RISK,
    "revenue_at_risk": Window.REVENUE_AT_RISK,
    "cm_coverage": Window.CM_COVERAGE,
    "changeover_utilization": Window.CHANGEOVER,
    "oee": Window.OEE,
    "maintenance_cost_pct_revenue": Window.MAINTENANCE_COST,
    "maturity_composite": Window.MTBF_TREND,
}


def translation_rows(snapshot, site, standard: dict) -> list[dict]:
    """The snapshot's figures in executive language (SPEC §5), each with its window: the
    one table the pages and the board slides both show (``core.language``). ``standard``
    is the portfolio's, as plain numbers (``selectors.standard_values``)."""
    details = snapshot.details
    relationships = sorted(
        details[Detail.REVENUE_AT_RISK], key=lambda r: r["revenue_at_risk"] or 0, reverse=True
    )
    top = relationships[0] if relationships else {}
    values = details[Detail.MATURITY]["values"]
    figures = {
        "penalty_exposure": snapshot.penalty_exposure,
        "addressable_exposure": snapshot.addressable_exposure,
        "emergency_premium": snapshot.emergency_premium,
        "production_value_at_risk": snapshot.production_value_at_risk,
        "revenue_at_risk": snapshot.revenue_at_risk,
        "maturity_composite": snapshot.maturity_composite,
        "risk_tier": snapshot.risk_tier or None,
        "cm_coverage": values["cm_coverage"],
        "cm_coverage_minimum": standard["min_cm_coverage_tier1"],
        "changeover_utilization": values["changeover_utilization"],
        "changeover_minimum": standard["min_changeover_utilization"],
        "oee": snapshot.oee,
        "maintenance_cost_pct_revenue": snapshot.maintenance_cost_pct_revenue,
        "relationship_revenue": top.get("annual_revenue"),
        "sdp_probability": top.get("probability"),
    }
    windows = details[Detail.WINDOWS]
    rows = language.translation_table(
        figures,
        site.name,
        currency=site.portfolio.currency,
        windows={metric: windows[name]["label"] for metric, name in TRANSLATION_WINDOWS.items()},
        customer=top.get("customer"),
    )
    reason = nothing_addressable(snapshot.penalty_exposure, snapshot.addressable_exposure)
    return [_say_why_nothing_is_addressable(row, site.name, reason) for row in rows]


def _say_why_nothing_is_addressable(row: dict, name: str, reason: str | None) -> dict:
    """The addressable-exposure row with "why nothing" instead of "can remove $0 of …"."""
    if row["metric"] != "addressable_exposure" or reason is None:
        return row
    return {**row, "sentence": nothing_addressable_sentence(name, reason, row["window"])}


@dataclass
class TranslationPage:
    """The translation table (templates/scores/translation.html): each site of the
    portfolio with its latest snapshot and that snapshot's sentences."""

    portfolio: object
    as_of: dt.date | None
    sites: list[dict]


def translation_page(portfolio, *, as_of) -> TranslationPage:
    """Each site of ``portfolio`` (by name) with its latest snapshot on or before ``as_of``
    (the latest at all when None) and its executive sentences, as ``{"site", "snapshot",
    "rows"}``; a site without scores has ``snapshot`` None and no rows. Three queries
    whatever the number of sites: the standard, the sites, the snapshots."""
    values = selectors.standard_values(selectors.portfolio_standard(portfolio))
    sites = list(Site.objects.filter(portfolio=portfolio).order_by("name", "pk"))
    snapshots = {
        snapshot.site_id: snapshot
        for snapshot in selectors.latest_snapshots([site.pk for site in sites], as_of)
    }
    rows = []
    for site in sites:
        site.portfolio = portfolio  # the sentences name the portfolio's currency
        snapshot = snapshots.get(site.pk)
        sentences = translation_rows(snapshot, site, values) if snapshot is not None else []
        rows.append({"site": site, "snapshot": snapshot, "rows": sentences})
    return TranslationPage(portfolio=portfolio, as_of=as_of, sites=rows)
