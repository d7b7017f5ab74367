"""What the portfolio and site pages show, read from score snapshots.

Read side only: every figure comes from a site's stored snapshot (portfolio.scoring.site
computed it) or from a documented pure function over snapshots (portfolio.scoring.*);
nothing here recomputes a site from raw rows. Snapshot ``details`` can be large, so the
portfolio page reads only the JSON keys it shows (``_DETAIL_KEYS``), in one query per
point in time.
"""

import calendar
import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd
from django.db import connection

from portfolio.models import CapitalProposal, ReliabilityStandard, Site, SiteScoreSnapshot
from portfolio.scoring import finance, maturity
from portfolio.scoring.portfolio import aggregate, compare, exposure_split
from portfolio.selectors import SNAPSHOT_FIELDS, snapshot_rows, standard_values
from portfolio.services import quarter_ends

HISTORY_QUARTERS = 8
MAX_HISTORY_QUARTERS = 20
QUARTER_CHOICES = (4, 8, 12, 20)
DIMENSIONS = ("cm_coverage", "changeover", "mtbf_trend", "penalty_frequency")


class FilterError(ValueError):
    """A filter in the URL that cannot be read; the page says so and uses the default."""


# Days a history can hold; quarter arithmetic stays far from date.min and date.max.
EARLIEST_DAY, LATEST_DAY = dt.date(1970, 1, 1), dt.date(2199, 12, 31)


def parse_as_of(raw: str | None) -> dt.date | None:
    """``?as_of=YYYY-MM-DD``: the day whose latest snapshots the page shows (None: newest)."""
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise FilterError(
            f"as_of: {raw!r} is not a date (YYYY-MM-DD); showing the latest."
        ) from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise FilterError(
            f"as_of: {raw} is outside {EARLIEST_DAY.year}–{LATEST_DAY.year}; showing the latest."
        )
    return day


def parse_budget(raw: str | None) -> float | None:
    """``?budget=``: the capital budget to fund sites in priority order (None: no budget)."""
    if raw in (None, ""):
        return None
    try:
        value = float(raw.replace(",", "").replace("$", ""))
    except ValueError:
        raise FilterError(
            f"budget: {raw!r} is not an amount; showing every site unfunded."
        ) from None
    if not math.isfinite(value) or value < 0:
        raise FilterError("budget: must be an amount of zero or more.")
    return value


def parse_quarters(raw: str | None) -> int:
    """``?quarters=N``: how many quarter ends the history charts show (1–20, default 8)."""
    if not raw:
        return HISTORY_QUARTERS
    try:
        value = int(raw)
    except ValueError:
        raise FilterError(f"quarters: {raw!r} is not a whole number; showing 8.") from None
    if not 1 <= value <= MAX_HISTORY_QUARTERS:
        raise FilterError(f"quarters: must be between 1 and {MAX_HISTORY_QUARTERS}.") from None
    return value


def history(site_ids, days: list[dt.date], standard: dict) -> list[dict]:
    """The portfolio roll-up at each of ``days``: each site's newest snapshot on or before
    the day, aggregated (exposure, revenue and value at risk, maturity). One query: a
    backward probe of the (site, as_of) key per site and day, never a scan of history."""
    if not days:
        return []
    columns = [c for c in SNAPSHOT_FIELDS if c not in ("site_id", "as_of")]
    select = ", ".join(f"s.{c}" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT d.day, site.id, s.as_of, {select}
                FROM unnest(%s::date[]) AS d(day)
                CROSS JOIN unnest(%s::bigint[]) AS site(id)
                CROSS JOIN LATERAL (
                    SELECT s.as_of, {select} FROM portfolio_sitescoresnapshot s
                    WHERE s.site_id = site.id AND s.as_of <= d.day
                    ORDER BY s.as_of DESC LIMIT 1
                ) s""",
            [list(days), list(site_ids)],
        )
        rows = cursor.fetchall()
    by_day: dict[dt.date, list[dict]] = {day: [] for day in days}
    for day, site_id, as_of, *values in rows:
        by_day[day].append(
            {"site_id": site_id, "as_of": as_of, **dict(zip(columns, values, strict=True))}
        )
    points = []
    for day in days:
        figures = aggregate(by_day[day], standard) if by_day[day] else None
        points.append({"day": day, "figures": figures})
    return points


def quarter_before(day: dt.date) -> dt.date:
    """The same day one quarter (3 months) earlier, the last day of that month when it is
    shorter: 2026-11-01 → 2026-08-01, 2026-05-31 → 2026-02-28."""
    year, month = divmod(day.year * 12 + day.month - 1 - 3, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def history_days(as_of: dt.date, quarters: int) -> list[dt.date]:
    """The last ``quarters`` quarter ends before ``as_of``, then ``as_of`` itself."""
    return [*quarter_ends(as_of, quarters), as_of]


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
                "avoided": (row["snapshot"]["details"].get("addressable_exposure") or {}).get(
                    "avoidable"
                )
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


@dataclass
class PortfolioPage:
    """Everything the portfolio page shows (see templates/portfolio/portfolio.html)."""

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


def portfolio_page(portfolio, *, as_of, budget, quarters) -> PortfolioPage:
    """The portfolio page as of ``as_of`` (None: each site's newest snapshot)."""
    standard, _ = ReliabilityStandard.objects.get_or_create(portfolio=portfolio)
    values = standard_values(standard)
    sites = list(Site.objects.filter(portfolio=portfolio).order_by("name"))
    ids = [s.pk for s in sites]
    snapshots = {row["site_id"]: row for row in snapshot_rows(ids, as_of)}
    figures = aggregate(list(snapshots.values()), values)
    last_day = dt.date.fromisoformat(figures["as_of_last"]) if figures["as_of_last"] else None
    previous_day = quarter_before(last_day) if last_day else None
    previous_rows = snapshot_rows(ids, previous_day) if previous_day else []
    # Like for like: the change counts only sites scored on both days, so a site scored for
    # the first time does not read as growth.
    compared = {row["site_id"] for row in previous_rows}
    same_sites = aggregate([r for r in snapshots.values() if r["site_id"] in compared], values)
    previous = aggregate(previous_rows, values) if previous_rows else None
    rows = [_site_row(site, snapshots.get(site.pk), values) for site in sites]
    proposals = {p.site_id: p for p in CapitalProposal.objects.filter(site_id__in=ids)}
    return PortfolioPage(
        portfolio=portfolio,
        standard=standard,
        as_of=as_of,
        previous_day=previous_day,
        figures=figures,
        previous=previous,
        changes=compare(same_sites, previous),
        newly_scored=[s for s in sites if s.pk in snapshots and previous and s.pk not in compared],
        sites=rows,
        capital=capital_plan(rows, proposals, budget),
        unplanned_sites=[r["site"] for r in rows if r["site"].pk not in proposals],
        relationships=_relationships_at_risk(rows),
        warnings=_early_warnings(rows),
        history=history(ids, history_days(last_day, quarters), values) if last_day else [],
    )


def _site_row(site, snapshot: dict | None, standard: dict) -> dict:
    if snapshot is None:
        return {"site": site, "snapshot": None, "status": {}, "split": exposure_split(None, None)}
    values = (snapshot["details"].get("maturity") or {}).get("values") or {}
    return {
        "site": site,
        "snapshot": snapshot,
        "status": {d: maturity.dimension_status(d, values, standard) for d in DIMENSIONS},
        "split": exposure_split(snapshot["penalty_exposure"], snapshot["addressable_exposure"]),
    }


def _relationships_at_risk(rows: list[dict]) -> list[dict]:
    """OEM relationships with a probability of SDP review, largest revenue at risk first."""
    out = []
    for row in rows:
        if row["snapshot"] is None:
            continue
        for relationship in row["snapshot"]["details"].get("revenue_at_risk") or []:
            out.append({**relationship, "site": row["site"], "as_of": row["snapshot"]["as_of"]})
    return sorted(out, key=lambda r: -(r.get("revenue_at_risk") or 0.0))


def _early_warnings(rows: list[dict]) -> list[dict]:
    out = []
    for row in rows:
        if row["snapshot"] is None:
            continue
        for warning in row["snapshot"]["details"].get("early_warnings") or []:
            out.append({**warning, "site": row["site"], "as_of": row["snapshot"]["as_of"]})
    return out


def window_label(figures: dict) -> str | None:
    """The day(s) the roll-up's snapshots were computed as of, for every tile's window."""
    first, last = figures.get("as_of_first"), figures.get("as_of_last")
    if last is None:
        return None
    return f"as of {last}" if first == last else f"sites as of {first} to {last}"


def headline_tiles(page: PortfolioPage) -> list[dict]:
    """The portfolio page's headline tiles: value, window, executive sentence, change
    against the end of last quarter, and how the figure is computed."""
    from portfolio import language

    f, name, currency = page.figures, page.portfolio.name, page.portfolio.currency
    as_of = window_label(f)
    trailing = f"trailing 12 months, {as_of}" if as_of else None
    spread = f.get("oee_spread") or {}
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
            f"next 4 quarters of scorecards, {as_of}" if as_of else None,
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
            "portfolio.scoring.finance.production_value_at_risk",
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
                if spread.get("points") is not None
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
            "value": f.get(key),
            "window": window,
            "sentence": sentence,
            "change": page.changes.get(key, {}).get("change"),
            "direction": page.changes.get(key, {}).get("direction"),
            "how": how,
        }
        for key, label, kind, window, sentence, how in tiles
    ]


# --- Site page ---------------------------------------------------------------------------

#: dimension → (label, value key in details.maturity.values, unit, standard bar text).
SITE_DIMENSIONS = {
    "cm_coverage": ("CM coverage of Tier 1 assets", "cm_coverage", "fraction"),
    "changeover": ("Changeover window utilization", "changeover_utilization", "fraction"),
    "mtbf_trend": ("MTBF trend, top-3 bottlenecks", "mtbf_trend_pct", "pct_per_quarter"),
    "penalty_frequency": ("OEM penalty events, last 2 quarters", "penalty_events_2q", "count"),
}
LATEST_PENALTIES = 50
#: A gap's dimension (portfolio.scoring.maturity.gaps_to_standard) → (label, unit).
GAP_LABELS = {
    "cm_coverage": ("CM coverage of Tier 1 assets", "fraction"),
    "changeover_utilization": ("Changeover window utilization", "fraction"),
    "penalty_events_2q": ("OEM penalty events, last 2 quarters", "count"),
    "alert_response_median_hours": ("Tier 1 alert response, median", "hours"),
    "alert_response_p90_hours": ("Tier 1 alert response, p90", "hours"),
    "jit_failures_documented": ("JIT-line failures documented with a mode", "fraction"),
}


@dataclass
class SitePage:
    """Everything the site page shows (see templates/portfolio/site.html); a site with no
    snapshot yet has only its site, standard and proposal."""

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
    windows: list[dict] = field(default_factory=list)
    oee_lines: list[dict] = field(default_factory=list)
    sentences: list[dict] = field(default_factory=list)
    payback_months: float | None = None
    history: list[dict] = field(default_factory=list)


def site_page(site, *, as_of, quarters) -> SitePage:
    """The site page as of ``as_of`` (None: the newest snapshot). ``site`` comes with
    ``portfolio__standard`` selected."""
    from portfolio.selectors import (
        exposure_contributions,
        exposure_penalties,
        snapshot_translation,
    )

    standard, _ = ReliabilityStandard.objects.get_or_create(portfolio=site.portfolio)
    snapshots = SiteScoreSnapshot.objects.filter(site=site)
    if as_of is not None:
        snapshots = snapshots.filter(as_of__lte=as_of)
    snapshot = snapshots.order_by("-as_of").first()
    proposal = CapitalProposal.objects.filter(site=site).first()
    if snapshot is None:
        return SitePage(site=site, standard=standard, proposal=proposal)
    snapshot.site = site  # snapshot_translation reads site.portfolio.standard
    details = snapshot.details
    values = standard_values(standard)
    return SitePage(
        site=site,
        standard=standard,
        snapshot=snapshot,
        dimensions=_dimensions(snapshot, values),
        gaps=[
            {
                **gap,
                "label": GAP_LABELS.get(gap["dimension"], (gap["dimension"], ""))[0],
                "unit": GAP_LABELS.get(gap["dimension"], ("", "count"))[1],
            }
            for gap in details.get("gaps", [])
        ],
        penalties=exposure_contributions(site.pk, snapshot.as_of, limit=LATEST_PENALTIES),
        penalty_count=exposure_penalties(site.pk, snapshot.as_of).count(),
        exposure_by_customer=_exposure_by_customer(site, details),
        tier1=_tier1(site, details),
        windows=_windows(details),
        oee_lines=_oee_lines(site, details),
        sentences=snapshot_translation(snapshot),
        proposal=proposal,
        payback_months=_payback(proposal, details),
        history=history([site.pk], history_days(snapshot.as_of, quarters), values),
    )


def _payback(proposal, details: dict) -> float | None:
    """Months for the proposal to pay back from the snapshot's avoidable exposure
    (addressable × the expected reduction it was scored with): the capital table's figure."""
    avoidable = (details.get("addressable_exposure") or {}).get("avoidable")
    if proposal is None or avoidable is None:
        return None
    return finance.payback_months(float(proposal.amount), avoidable, 1.0)


def _dimensions(snapshot, standard: dict) -> list[dict]:
    values = (snapshot.details.get("maturity") or {}).get("values") or {}
    scores = {
        "cm_coverage": snapshot.cm_coverage_score,
        "changeover": snapshot.changeover_score,
        "mtbf_trend": snapshot.mtbf_trend_score,
        "penalty_frequency": snapshot.penalty_frequency_score,
    }
    bars = {
        "cm_coverage": standard["min_cm_coverage_tier1"],
        "changeover": standard["min_changeover_utilization"],
        "mtbf_trend": 0.0,
        "penalty_frequency": standard["tolerated_penalty_events_2q"],
    }
    return [
        {
            "dimension": dimension,
            "label": label,
            "unit": unit,
            "value": values.get(value_key),
            "bar": bars[dimension],
            "score": scores[dimension],
            "status": maturity.dimension_status(dimension, values, standard),
            "window": _dimension_window(snapshot, dimension),
        }
        for dimension, (label, value_key, unit) in SITE_DIMENSIONS.items()
    ]


def _dimension_window(snapshot, dimension: str) -> str | None:
    if dimension == "penalty_frequency":  # oem.metrics.penalty_events: calendar quarters
        return f"the last 2 calendar quarters to {snapshot.as_of}"
    return (snapshot.details.get("windows", {}).get(dimension) or {}).get("label")


def _exposure_by_customer(site, details: dict) -> list[dict]:
    """The snapshot's exposure per OEM relationship, with the customer's name."""
    from oem.models import OEMRelationship

    rows = (details.get("penalty_exposure") or {}).get("by_relationship") or []
    names = dict(OEMRelationship.objects.filter(site=site).values_list("pk", "customer__name"))
    return sorted(
        ({**row, "customer": names.get(row["relationship_id"], "?")} for row in rows),
        key=lambda r: -(r.get("exposure") or 0.0),
    )


def _tier1(site, details: dict) -> list[dict]:
    """Tier 1 assets as of the snapshot, with the open alerts they have now."""
    from reliability.models import Alert

    open_alerts: dict[int, list[str]] = {}
    for asset_id, zone in Alert.objects.filter(
        asset__site=site, asset__tier=1, closed_at__isnull=True
    ).values_list("asset_id", "worst_zone"):
        open_alerts.setdefault(asset_id, []).append(zone)
    uncovered = set((details.get("cm_coverage") or {}).get("uncovered") or [])
    rows = []
    for asset in details.get("tier1") or []:
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
    return sorted(rows, key=lambda r: (-r["open_alerts"], -(r.get("p_failure_12m") or 0.0)))


def _windows(details: dict) -> list[dict]:
    """The last 4 changeover windows the utilization was computed over."""
    from reliability.models import ChangeoverWindow

    ids = (details.get("changeover") or {}).get("window_ids") or []
    return list(
        ChangeoverWindow.objects.filter(pk__in=ids)
        .order_by("-starts_at")
        .values(
            "pk",
            "line__code",
            "starts_at",
            "ends_at",
            "available_minutes",
            "maintenance_minutes_scheduled",
            "maintenance_minutes_executed",
        )
    )


def _oee_lines(site, details: dict) -> list[dict]:
    from portfolio.models import Line

    names = dict(Line.objects.filter(site=site).values_list("pk", "name"))
    return [
        {**row, "line": names.get(row.get("line_id"), "?")}
        for row in details.get("oee_by_line") or []
    ]
