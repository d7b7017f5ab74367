"""Page builders: what each page of the scores shows, one dataclass per page.

A builder takes what the view parsed (the object the user may see, the filters) and turns
selectors and pure functions into the page: figures, executive sentences, rows. No HTTP and
no writes here; the view renders the dataclass and lays out its charts (``scores.charts``).
A snapshot's ``details`` is read here with the keys of ``scores.snapshot`` and ``[]``, so a
key the writer does not write fails loudly; templates read the dataclasses, never
``details``.
"""

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from django.core.paginator import Page, Paginator

from core import language
from core.dates import SDP_HORIZON_QUARTERS, quarter_before, quarter_ends
from oem import metrics as oem_metrics
from oem import selectors as oem_selectors
from portfolio.models import Site
from scores import selectors
from scores.figures import finance, maturity
from scores.figures.rollup import aggregate, compare, exposure_split
from scores.forms import (
    FRACTION_FIELDS,
    STANDARD_GROUPS,
    STANDARD_UNITS,
    standard_help,
    standard_label,
)
from scores.snapshot import SCORE_COLUMNS, Detail, Window

#: The maturity dimensions as the pages name them: dimension → (label, unit).
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
NO_SNAPSHOT = "Scores are computed nightly and after each ingest; run manage.py recompute."


def history_days(as_of: dt.date, quarters: int) -> list[dt.date]:
    """The last ``quarters`` quarter ends before ``as_of``, then ``as_of`` itself."""
    return [*quarter_ends(as_of, quarters), as_of]


def history(site_ids, days: list[dt.date], standard: dict) -> list[dict]:
    """The roll-up of ``site_ids`` at each of ``days``: each site's newest snapshot on or
    before the day, aggregated (exposure, revenue and value at risk, maturity)."""
    if not days:
        return []
    by_day = selectors.snapshot_history(site_ids, days)
    return [
        {"day": day, "figures": aggregate(by_day[day], standard) if by_day[day] else None}
        for day in days
    ]


def window_label(figures: dict) -> str | None:
    """The day(s) the roll-up's snapshots were computed as of, for every tile's window."""
    first, last = figures["as_of_first"], figures["as_of_last"]
    if last is None:
        return None
    return f"as of {last}" if first == last else f"sites as of {first} to {last}"


# --- Portfolio page ------------------------------------------------------------------------


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
        }
        for record in ranked.to_dict("records")
    ]


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
            "shorter history): oem.metrics.penalty_exposure",
        ),
        (
            "addressable_share",
            "Addressable share of exposure",
            "percent",
            trailing,
            language.addressable_exposure_sentence(
                name, f["addressable_exposure"], currency=currency
            ),
            "Σ exposure from failures whose mode condition monitoring detects ÷ Σ exposure: "
            "oem.metrics.addressable_exposure",
        ),
        (
            "revenue_at_risk",
            "Preferred-supplier revenue at risk",
            "money",
            f"next {SDP_HORIZON_QUARTERS} quarters of scorecards, {as_of}" if as_of else None,
            language.revenue_at_risk_total_sentence(name, f["revenue_at_risk"], None, currency),
            "Σ relationship revenue × P(SDP review) from the scorecard trend: "
            "oem.metrics.revenue_at_risk",
        ),
        (
            "production_value_at_risk",
            "Production value at risk",
            "money",
            f"next 12 months, {as_of}" if as_of else None,
            language.production_value_at_risk_sentence(
                name, f["production_value_at_risk"], currency=currency
            ),
            "Σ Tier 1 assets P(failure in 12 months) × downtime h × value per h: "
            "scores.figures.finance.production_value_at_risk",
        ),
        (
            "maintenance_cost_pct_revenue",
            "Maintenance cost, % of revenue",
            "percent1",
            trailing,
            language.maintenance_cost_sentence(name, f["maintenance_cost_pct_revenue"]),
            "Σ site maintenance spend ÷ Σ site revenue: reliability.metrics.maintenance_cost",
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
            "sites (ISO 22400-2), never an average of ratios: reliability.metrics.oee",
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


# --- Site page ---------------------------------------------------------------------------


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
    window_labels: dict[str, str] = field(default_factory=dict)  # Window → label
    relationships: list[dict] = field(default_factory=list)  # details["revenue_at_risk"]
    mttr: dict | None = None
    changeover: dict | None = None
    pm_completion: dict | None = None
    maintenance_cost_source: str = ""
    expected_reduction: float | None = None


def site_page(site, *, as_of, quarters) -> SitePage:
    """The site page as of ``as_of`` (None: the newest snapshot). ``site`` comes with its
    portfolio selected."""
    standard = selectors.portfolio_standard(site.portfolio)
    snapshot = selectors.site_snapshot(site.pk, as_of)
    proposal = selectors.site_capital_proposal(site.pk)
    if snapshot is None:
        return SitePage(site=site, standard=standard, proposal=proposal)
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
        mttr=details[Detail.MTTR],
        changeover=details[Detail.CHANGEOVER],
        pm_completion=details[Detail.PM_COMPLETION],
        maintenance_cost_source=details[Detail.MAINTENANCE_COST]["source"],
        expected_reduction=details[Detail.ADDRESSABLE_EXPOSURE]["expected_reduction"],
    )


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


# --- Executive language ---------------------------------------------------------------------

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
    return language.translation_table(
        figures,
        site.name,
        currency=site.portfolio.currency,
        windows={metric: windows[name]["label"] for metric, name in TRANSLATION_WINDOWS.items()},
        customer=top.get("customer"),
    )


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


# --- Reliability standard page ------------------------------------------------------------

HISTORY_PAGE_SIZE = 50
# Shown as "who" and "version" of an entry, not among its changed fields.
HISTORY_OWN_COLUMNS = {"version", "updated_by_id"}


@dataclass
class StandardPage:
    """The reliability standard page (templates/scores/standard.html): its values in the
    admin's grouping, the edit form for those who may edit, and the versions so far."""

    portfolio: object
    standard: object
    form: object | None
    groups: list[tuple[str, list[dict]]]
    page: Page  # the history, paginated (includes/pager.html reads ``page``)
    history: list[dict]


def standard_page(portfolio, standard, *, form, history_page: str | None) -> StandardPage:
    """The standard as saved, with ``form`` (None for viewers who may not edit it, or the
    posted form with its errors) and page ``history_page`` of its history."""
    page = Paginator(selectors.standard_history(standard), HISTORY_PAGE_SIZE).get_page(history_page)
    return StandardPage(
        portfolio=portfolio,
        standard=standard,
        form=form,
        groups=_standard_groups(standard, form),
        page=page,
        history=[_history_row(entry) for entry in page.object_list],
    )


def _standard_groups(standard, form) -> list[tuple[str, list[dict]]]:
    """(title, rows) in the admin's grouping; each row the field's saved value, unit, help
    and (for editors) its form field."""
    return [
        (
            title,
            [
                {
                    "name": name,
                    "label": standard_label(name),
                    "value": getattr(standard, name),
                    "unit": STANDARD_UNITS[name],
                    "is_fraction": name in FRACTION_FIELDS,
                    "field": form[name] if form is not None else None,
                    "help": standard_help(name),
                }
                for name in names
            ],
        )
        for title, names in STANDARD_GROUPS
    ]


def _history_row(entry) -> dict:
    """An audit entry as the history table shows it: the version step and each changed
    field by its readable name, with its unit."""
    version = entry.changes.get("version") or [None, None]
    fields = [
        {
            "label": standard_label(name),
            "before": before,
            "after": after,
            "unit": STANDARD_UNITS.get(name, ""),
        }
        for name, (before, after) in entry.changes.items()
        if name not in HISTORY_OWN_COLUMNS and name in STANDARD_UNITS
    ]
    return {
        "at": entry.at,
        "who": entry.actor_name,
        "action": entry.action,
        "action_display": entry.get_action_display(),
        "version_before": version[0],
        "version_after": version[1],
        "fields": fields,
    }


# --- OEM relationship and customer pages ---------------------------------------------------

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
    horizon = snapshot["window"]["horizon_quarters"] if snapshot else SDP_HORIZON_QUARTERS
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
    horizon = window["horizon_quarters"] if window else SDP_HORIZON_QUARTERS
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
    # Money adds up only within one currency: a total and a penalty chart per currency.
    currencies = sorted({row["relationship"].site.portfolio.currency for row in rows})
    totals, penalties = [], []
    for currency in currencies:
        mine = [row for row in rows if row["relationship"].site.portfolio.currency == currency]
        totals.append(
            (
                currency,
                oem_metrics.revenue_at_risk_total(
                    [row["risk"]["revenue_at_risk"] if row["risk"] else None for row in mine]
                ),
            )
        )
        penalties.append(
            (
                currency,
                oem_selectors.penalty_quarters_by_site(
                    [row["relationship"] for row in mine], today, PENALTY_QUARTERS
                ),
            )
        )
    return CustomerPage(
        customer=rows[0]["relationship"].customer,
        rows=rows,
        totals=totals,
        penalties_by_currency=penalties,
        as_of_days=sorted({row["snapshot_as_of"] for row in rows if row["snapshot_as_of"]}),
        today=today,
    )
