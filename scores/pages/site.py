"""The site page: the site against the standard, its gaps and deadlines, penalties and the
failures behind them, Tier 1 assets, changeover windows, OEE by line and the sentences."""

from dataclasses import dataclass, field

from reliability.pages import WorkOrderPeriod, work_order_period
from scores import selectors
from scores.figures import finance, maturity
from scores.pages.common import NOTHING_AVOIDED, history, history_days, nothing_addressable
from scores.pages.translation import translation_rows
from scores.snapshot import SCORE_COLUMNS, Detail

#: The maturity dimensions as the page names them: dimension → (label, unit).
DIMENSION_LABELS = {
    "cm_coverage": ("CM coverage of Tier 1 assets", "fraction"),
    "changeover": ("Changeover window utilization", "fraction"),
    "mtbf_trend": ("MTBF trend, top-3 bottlenecks", "pct_per_quarter"),
    "penalty_frequency": ("OEM penalty events, last 2 quarters", "count"),
}
#: A gap's dimension (scores.figures.maturity.gaps_to_standard) → (label, unit).
GAP_LABELS = {
    "cm_coverage": ("CM coverage of Tier 1 assets", "fraction"),
    "changeover_utilization": ("Changeover window utilization", "fraction"),
    "penalty_events_2q": ("OEM penalty events, last 2 quarters", "count"),
    "alert_response_median_hours": ("Tier 1 alert response, median", "hours"),
    "alert_response_p90_hours": ("Tier 1 alert response, p90", "hours"),
    "jit_failures_documented": ("JIT-line failures documented with a mode", "fraction"),
}
LATEST_PENALTIES = 50
#: Where the maintenance spend comes from (reliability.metrics.maintenance_cost's
#: ``source``), in the reader's words.
MAINTENANCE_COST_SOURCES = {
    "work orders": "the site's work orders",
    "stated": "the site's stated annual maintenance spend",
}


@dataclass
class SitePage:
    """Everything the site page shows (templates/scores/site.html); a site with no
    snapshot yet has only its site, standard and proposal. The ``details`` parts the page
    prints (``windows`` labels, ``mttr``, ``changeover`` …) are copied out here, so the
    template never digs into the snapshot's JSON."""

    site: object
    standard: object
    proposal: object | None
    snapshot: object | None = None
    dimensions: list[dict] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)
    penalties: list[dict] = field(default_factory=list)
    penalty_count: int = 0
    exposure_by_customer: list[dict] = field(default_factory=list)
    tier1: list[dict] = field(default_factory=list)
    windows: list[dict] = field(default_factory=list)  # the last 4 changeover windows
    oee_lines: list[dict] = field(default_factory=list)
    sentences: list[dict] = field(default_factory=list)
    payback_months: float | None = None
    history: list[dict] = field(default_factory=list)
    window_labels: dict[str, str | None] = field(default_factory=dict)  # Window → label
    relationships: list[dict] = field(default_factory=list)  # details["revenue_at_risk"]
    mtbf: dict | None = None  # details["mtbf"]: the fleet MTBF sentence
    mttr: dict | None = None
    changeover: dict | None = None
    pm_completion: dict | None = None
    maintenance_cost_source: str = ""
    expected_reduction: float | None = None
    nothing_avoided: str | None = None  # why a proposal would avoid nothing, in words
    work_orders: WorkOrderPeriod | None = None  # count and net cost of a period


def site_page(site, *, as_of, quarters, period=None, period_problems=()) -> SitePage:
    """The site page as of ``as_of`` (None: the newest snapshot). ``site`` comes with its
    portfolio selected. ``period`` (reliability.periods.Period): the work-order totals'
    period, shown with or without a snapshot."""
    standard = selectors.portfolio_standard(site.portfolio)
    snapshot = selectors.site_snapshot(site.pk, as_of)
    proposal = selectors.site_capital_proposal(site.pk)
    work_orders = None
    if period is not None:
        work_orders = work_order_period(
            site_id=site.pk, site_code=site.code, period=period, problems=period_problems
        )
    if snapshot is None:
        return SitePage(site=site, standard=standard, proposal=proposal, work_orders=work_orders)
    details = snapshot.details
    values = selectors.standard_values(standard)
    labels = {window: info["label"] for window, info in details[Detail.WINDOWS].items()}
    return SitePage(
        site=site,
        standard=standard,
        snapshot=snapshot,
        dimensions=_dimensions(snapshot, values, labels),
        gaps=[
            {
                **gap,
                "label": GAP_LABELS.get(gap["dimension"], (gap["dimension"], ""))[0],
                "unit": GAP_LABELS.get(gap["dimension"], ("", "count"))[1],
            }
            for gap in details[Detail.GAPS]
        ],
        penalties=selectors.exposure_contributions(site.pk, snapshot.as_of, limit=LATEST_PENALTIES),
        penalty_count=selectors.exposure_penalties(site.pk, snapshot.as_of).count(),
        exposure_by_customer=_exposure_by_customer(site, details),
        tier1=_tier1(site, details),
        windows=selectors.changeover_windows(details[Detail.CHANGEOVER]["window_ids"]),
        oee_lines=_oee_lines(site, details),
        sentences=translation_rows(snapshot, site, values),
        proposal=proposal,
        payback_months=_payback(proposal, details),
        history=history([site.pk], history_days(snapshot.as_of, quarters), values),
        window_labels=labels,
        relationships=details[Detail.REVENUE_AT_RISK],
        mtbf=details[Detail.MTBF],
        mttr=details[Detail.MTTR],
        changeover=details[Detail.CHANGEOVER],
        pm_completion=details[Detail.PM_COMPLETION],
        maintenance_cost_source=_maintenance_cost_source(details),
        expected_reduction=details[Detail.ADDRESSABLE_EXPOSURE]["expected_reduction"],
        nothing_avoided=NOTHING_AVOIDED.get(
            nothing_addressable(
                snapshot.penalty_exposure,
                snapshot.addressable_exposure,
                details[Detail.ADDRESSABLE_EXPOSURE]["avoidable"],
            )
        ),
        work_orders=work_orders,
    )


def _maintenance_cost_source(details: dict) -> str:
    source = details[Detail.MAINTENANCE_COST]["source"]
    return MAINTENANCE_COST_SOURCES.get(source, source or "—")


def _payback(proposal, details: dict) -> float | None:
    """Months for the proposal to pay back from the snapshot's avoidable exposure
    (addressable × the expected reduction it was scored with): the capital table's figure."""
    avoidable = details[Detail.ADDRESSABLE_EXPOSURE]["avoidable"]
    if proposal is None or avoidable is None:
        return None
    return finance.payback_months(float(proposal.amount), avoidable, 1.0)


def _dimensions(snapshot, standard: dict, labels: dict) -> list[dict]:
    values = snapshot.details[Detail.MATURITY]["values"]
    rows = []
    for dimension, column in SCORE_COLUMNS.items():
        value_key, _ = maturity.DIMENSIONS[dimension]
        bar_key, _ = maturity.BARS[dimension]
        label, unit = DIMENSION_LABELS[dimension]
        rows.append(
            {
                "dimension": dimension,
                "label": label,
                "unit": unit,
                "value": values[value_key],
                "bar": 0.0 if bar_key is None else standard[bar_key],
                "score": getattr(snapshot, column),
                "status": maturity.dimension_status(dimension, values, standard),
                "window": (
                    # oem.metrics.penalty_events counts calendar quarters
                    f"the last 2 calendar quarters to {snapshot.as_of}"
                    if dimension == "penalty_frequency"
                    else labels[dimension]
                ),
            }
        )
    return rows


def _exposure_by_customer(site, details: dict) -> list[dict]:
    """The snapshot's exposure per OEM relationship, with the customer's name."""
    rows = details[Detail.PENALTY_EXPOSURE]["by_relationship"]
    names = selectors.relationship_customers(site.pk)
    return sorted(
        ({**row, "customer": names.get(row["relationship_id"], "?")} for row in rows),
        key=lambda r: -(r["exposure"] or 0.0),
    )


def _tier1(site, details: dict) -> list[dict]:
    """Tier 1 assets as of the snapshot, with the open alerts they have now."""
    open_alerts = selectors.open_tier1_alert_zones(site.pk)
    uncovered = set(details[Detail.CM_COVERAGE]["uncovered"])
    rows = []
    for asset in details[Detail.TIER1]:
        zones = open_alerts.get(asset["asset_id"], [])
        rows.append(
            {
                **asset,
                "open_alerts": len(zones),
                "worst_zone": max((z for z in zones if z), default=""),
                "monitored": asset["asset_id"] not in uncovered,
            }
        )
    # Most at risk first: open alerts, then probability of failure.
    return sorted(rows, key=lambda r: (-r["open_alerts"], -(r["p_failure_12m"] or 0.0)))


def _oee_lines(site, details: dict) -> list[dict]:
    names = selectors.line_names(site.pk)
    return [{**row, "line": names.get(row["line_id"], "?")} for row in details[Detail.OEE_BY_LINE]]
