"""Reads of the scores: what a site's recompute reads, and the snapshots, standards and
capital plans the pages show. Reads only: nothing here writes, and nothing here words a
figure (``scores.pages`` does). Pages pass querysets already scoped with ``visible_to``.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Q, Subquery
from django.utils import timezone

from core.dates import SCORING_HISTORY_DAYS, TRAILING_YEAR_DAYS, day_end, measured_to
from oem.metrics import scorecards_known_on
from oem.models import OEMRelationship, PenaltyRecord, ScorecardResult
from portfolio.models import AuditEntry, Line, Portfolio, Site
from reliability.models import (
    Alert,
    Asset,
    ChangeoverWindow,
    FailureEvent,
    ProductionRecord,
    WorkOrder,
)
from reliability.selectors import (
    failure_frame,
    installation_start,
    values_frame,
    work_order_frame,
)
from scores.figures.rollup import aggregate
from scores.models import CapitalProposal, ReliabilityStandard, SiteScoreSnapshot
from scores.snapshot import FIGURES, Detail, Window, complete, complete_part


def site_overview(user):
    """The sites ``user`` may see, with their portfolio and counts of in-service assets
    (all, and Tier 1), ordered for grouping by portfolio. One query."""
    in_service = Q(assets__is_active=True)
    return (
        Site.objects.visible_to(user)
        .select_related("portfolio")
        .annotate(
            asset_count=Count("assets", filter=in_service),
            tier1_asset_count=Count("assets", filter=in_service & Q(assets__tier=1)),
        )
        .order_by("portfolio__name", "portfolio_id", "name")
    )


# --- Scoring inputs ------------------------------------------------------------------------
# What a site's recompute reads: plain DataFrames from values() queries (one query each, no
# per-row ORM objects), over a history long enough for every window the figures use.


@dataclass
class SiteInputs:
    """A site's data as of a day, as the pure scoring functions take it."""

    site: dict
    standard: dict
    as_of: dt.date
    window_end: pd.Timestamp  # the end of as_of (UTC): every window ends here
    measured_to: pd.Timestamp  # now for today, else window_end (core.dates.measured_to)
    assets: pd.DataFrame
    failures: pd.DataFrame
    work_orders: pd.DataFrame
    windows: pd.DataFrame
    production: pd.DataFrame
    last_readings: pd.DataFrame
    alerts: pd.DataFrame
    relationships: pd.DataFrame
    scorecards: pd.DataFrame
    penalties: pd.DataFrame
    history_start: dt.date | None
    below_since: dict  # dimension -> the day the site first fell below the bar, unbroken


def standard_values(standard) -> dict:
    """The standard's thresholds and weights as plain numbers, for the pure functions."""
    fields = [f.name for f in ReliabilityStandard._meta.concrete_fields]
    values = {}
    for name in fields:
        if name in ("id", "portfolio", "updated_at", "updated_by"):
            continue
        value = getattr(standard, name)
        values[name] = float(value) if isinstance(value, Decimal) else value
    return values


def site_scoring_inputs(site_id: int, as_of: dt.date, now=None) -> SiteInputs:
    """Everything the recompute of one site needs, read as of the end of ``as_of``
    (today's: up to ``now``, default the present moment)."""
    site = Site.objects.select_related("portfolio").get(pk=site_id)
    standard = portfolio_standard(site.portfolio)
    window_end = day_end(as_of)
    since = window_end - pd.Timedelta(days=SCORING_HISTORY_DAYS)
    assets = values_frame(
        Asset.objects.filter(site=site, is_active=True),
        {
            "asset_id": "pk",
            "code": "code",
            "name": "name",
            "line_id": "line_id",
            "tier": "tier",
            "is_bottleneck": "is_bottleneck",
            "asset_class": "asset_class",
            "replacement_value": "replacement_value",
            "jit_linked": "line__jit_linked",
            "installed_on": "installed_on",
        },
    )
    assets["replacement_value"] = assets["replacement_value"].astype(float)
    # Operating time starts at 00:00 of the installation day, site time (metrics.mtbf).
    assets["installed_at"] = pd.Series(
        [installation_start(day, site.timezone) for day in assets["installed_on"]],
        index=assets.index,
        dtype="datetime64[ns, UTC]",
    )
    failures = failure_frame(FailureEvent.objects.filter(asset__site=site), since, window_end)
    work_orders = work_order_frame(WorkOrder.objects.filter(site=site), since, window_end)
    windows = values_frame(
        ChangeoverWindow.objects.filter(
            line__site=site, ends_at__lte=window_end, starts_at__gte=since
        ),
        {
            "window_id": "pk",
            "line_id": "line_id",
            "starts_at": "starts_at",
            "ends_at": "ends_at",
            "available_minutes": "available_minutes",
            "maintenance_minutes_scheduled": "maintenance_minutes_scheduled",
            "maintenance_minutes_executed": "maintenance_minutes_executed",
        },
        dates=("starts_at", "ends_at"),
    )
    production = values_frame(
        ProductionRecord.objects.filter(
            line__site=site,
            production_date__lte=as_of,
            production_date__gt=as_of - dt.timedelta(days=TRAILING_YEAR_DAYS),
        ),
        {
            "line_id": "line_id",
            "production_date": "production_date",
            "planned_production_minutes": "planned_production_minutes",
            "run_minutes": "run_minutes",
            "ideal_cycle_time_seconds": "ideal_cycle_time_seconds",
            "total_count": "total_count",
            "good_count": "good_count",
        },
    )
    alerts = values_frame(
        Alert.objects.filter(
            asset__site=site, asset__tier=1, detected_at__lt=window_end, detected_at__gte=since
        ),
        {
            "alert_id": "pk",
            "asset_id": "asset_id",
            "detected_at": "detected_at",
            "acknowledged_at": "acknowledged_at",
            "closed_at": "closed_at",
            "resolution": "resolution",
        },
        dates=("detected_at", "acknowledged_at", "closed_at"),
    )
    alerts.loc[alerts["closed_at"] >= window_end, ["closed_at", "resolution"]] = [pd.NaT, ""]
    alerts.loc[alerts["acknowledged_at"] >= window_end, "acknowledged_at"] = pd.NaT
    relationships = values_frame(
        OEMRelationship.objects.filter(site=site),
        {
            "relationship_id": "pk",
            "customer": "customer__name",
            "customer_code": "customer__code",
            "annual_revenue": "annual_revenue",
            "status": "status",
            "sdp_threshold_score": "sdp_threshold_score",
        },
    )
    for column in ("annual_revenue", "sdp_threshold_score"):
        relationships[column] = relationships[column].astype(float)
    scorecards = values_frame(
        ScorecardResult.objects.filter(relationship__site=site),
        {
            "relationship_id": "relationship_id",
            "year": "year",
            "quarter": "quarter",
            "score": "score",
        },
    )
    scorecards["score"] = scorecards["score"].astype(float)
    # A quarter's scorecard is known once the quarter is over.
    scorecards = scorecards_known_on(scorecards, as_of)
    penalties = values_frame(
        PenaltyRecord.objects.filter(
            relationship__site=site,
            incurred_on__lte=as_of,
            incurred_on__gt=as_of - dt.timedelta(days=SCORING_HISTORY_DAYS),
        ),
        {
            "penalty_id": "pk",
            "relationship_id": "relationship_id",
            "invoice_reference": "invoice_reference",
            "incurred_on": "incurred_on",
            "amount": "amount",
            "reason": "reason",
            "failure_event_id": "failure_event_id",
            "detectable": "failure_event__failure_mode__detectable_by_condition_monitoring",
        },
    )
    penalties["amount"] = penalties["amount"].astype(float)
    penalties["detectable"] = penalties["detectable"].fillna(False).astype(bool)
    return SiteInputs(
        site={
            "id": site.pk,
            "code": site.code,
            "name": site.name,
            "portfolio_id": site.portfolio_id,
            "currency": site.portfolio.currency,
            "annual_revenue": float(site.annual_revenue),
            "production_value_per_hour": float(site.production_value_per_hour),
            "annual_maintenance_spend": (
                float(site.annual_maintenance_spend)
                if site.annual_maintenance_spend is not None
                else None
            ),
        },
        standard=standard_values(standard),
        as_of=as_of,
        window_end=window_end,
        measured_to=measured_to(as_of, now if now is not None else timezone.now()),
        assets=assets,
        failures=failures,
        work_orders=work_orders,
        windows=windows,
        production=production,
        last_readings=_last_readings(site.pk, window_end),
        alerts=alerts,
        relationships=relationships,
        scorecards=scorecards,
        penalties=penalties,
        history_start=_history_start(site.pk),
        below_since=gaps_below_since(site.pk, as_of),
    )


def gaps_below_since(site_id: int, as_of: dt.date) -> dict[str, dt.date]:
    """For each dimension in gap in the site's latest earlier snapshot, the first day of
    the unbroken run of snapshots with that gap: a gap's deadline counts from the day the
    site fell below the bar, not from each recompute."""
    history = SiteScoreSnapshot.objects.filter(site_id=site_id, as_of__lt=as_of).order_by("-as_of")
    since: dict[str, dt.date] = {}
    open_gaps: set[str] | None = None
    for as_of_day, stored in history.values_list("as_of", f"details__{Detail.GAPS}").iterator():
        gaps = complete_part(Detail.GAPS, stored)
        in_gap = {g["dimension"] for g in gaps if g["status"] == "gap"}
        open_gaps = in_gap if open_gaps is None else open_gaps & in_gap
        if not open_gaps:
            break
        for dimension in open_gaps:
            since[dimension] = as_of_day
    return since


def _last_readings(site_id: int, window_end: pd.Timestamp) -> pd.DataFrame:
    """Each sensor's latest reading before ``window_end``: one backward probe of the
    readings primary key per sensor, never a scan of the readings table."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT s.asset_id, latest.measured_at
               FROM reliability_sensor s
               JOIN reliability_asset a ON a.id = s.asset_id
               CROSS JOIN LATERAL (
                   SELECT r.measured_at FROM reliability_reading r
                   WHERE r.sensor_id = s.id AND r.measured_at < %s
                   ORDER BY r.measured_at DESC LIMIT 1
               ) latest
               WHERE a.site_id = %s AND s.is_active""",
            [window_end.to_pydatetime(), site_id],
        )
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=["asset_id", "last_reading_at"])
    frame["last_reading_at"] = pd.to_datetime(frame["last_reading_at"], utc=True)
    return frame


def _history_start(site_id: int) -> dt.date | None:
    """The first day we hold operating data for the site (work orders, failures, production
    or penalties): shorter histories get their 12-month figures annualised."""
    candidates = [
        WorkOrder.objects.filter(site_id=site_id).aggregate(v=Min("opened_at"))["v"],
        FailureEvent.objects.filter(asset__site_id=site_id).aggregate(v=Min("started_at"))["v"],
        ProductionRecord.objects.filter(line__site_id=site_id).aggregate(v=Min("production_date"))[
            "v"
        ],
        PenaltyRecord.objects.filter(relationship__site_id=site_id).aggregate(v=Min("incurred_on"))[
            "v"
        ],
    ]
    days = [c.date() if isinstance(c, dt.datetime) else c for c in candidates if c is not None]
    return min(days) if days else None


# --- Snapshots -------------------------------------------------------------------------------

#: The figure columns of a snapshot row as the roll-up and the pages take it.
SNAPSHOT_FIELDS = ("site_id", "as_of", *FIGURES)
#: The parts of ``details`` the portfolio page and its roll-up read; the rest stays in the
#: database. A nested path reads one value, not the whole object (addressable_exposure
#: holds the ids of every penalty behind it).
PORTFOLIO_DETAILS = (
    (Detail.PRODUCTION_SUMS,),
    (Detail.MAINTENANCE_COST,),
    (Detail.MATURITY,),
    (Detail.REVENUE_AT_RISK,),
    (Detail.EARLY_WARNINGS,),
    (Detail.ADDRESSABLE_EXPOSURE, "avoidable"),
)
#: What the OEM pages read of a snapshot.
RISK_DETAILS = ((Detail.REVENUE_AT_RISK,), (Detail.WINDOWS, Window.REVENUE_AT_RISK))


def portfolio_standard(portfolio) -> ReliabilityStandard:
    """The portfolio's reliability standard (every portfolio has one from its creation)."""
    return ReliabilityStandard.objects.get(portfolio=portfolio)


def site_snapshot(site_id: int, as_of: dt.date | None) -> SiteScoreSnapshot | None:
    """The site's newest snapshot on or before ``as_of`` (the newest at all when None), its
    ``details`` complete (``scores.snapshot.complete``)."""
    snapshots = SiteScoreSnapshot.objects.filter(site_id=site_id)
    if as_of is not None:
        snapshots = snapshots.filter(as_of__lte=as_of)
    return _completed(snapshots.order_by("-as_of").first())


def latest_snapshots(site_ids, as_of: dt.date | None = None) -> list[SiteScoreSnapshot]:
    """Each site's newest snapshot on or before ``as_of`` (any date when None), their
    ``details`` complete. One query."""
    snapshots = SiteScoreSnapshot.objects.filter(site_id__in=list(site_ids))
    if as_of is not None:
        snapshots = snapshots.filter(as_of__lte=as_of)
    return [_completed(s) for s in snapshots.order_by("site_id", "-as_of").distinct("site_id")]


def _completed(snapshot: SiteScoreSnapshot | None) -> SiteScoreSnapshot | None:
    if snapshot is not None:
        snapshot.details = complete(snapshot.details)
    return snapshot


def portfolio_figures(portfolio, as_of: dt.date | None = None) -> dict:
    """The portfolio's roll-up of its sites' latest snapshots (``scores.figures.rollup``):
    the headline figures of the portfolio page and of the API's ``figures`` action."""
    standard = portfolio_standard(portfolio)
    site_ids = portfolio.sites.values_list("pk", flat=True)
    return aggregate(snapshot_rows(site_ids, as_of), standard_values(standard))


def snapshot_rows(site_ids, as_of: dt.date | None, paths=PORTFOLIO_DETAILS) -> list[dict]:
    """Each site's newest snapshot on or before ``as_of``, as the dicts the portfolio
    roll-up takes, with only the ``paths`` of ``details`` (tuples of keys), each part laid
    over its shape (``scores.snapshot.complete_part``). One query.

    The newest snapshot per site is picked first (on the (site, as_of) key) and the JSON
    keys are read from those rows only: ``details`` is large and compressed, and reading
    keys out of every snapshot of the history before DISTINCT ON made the portfolio page
    ~75× slower with a year of nightly snapshots (docs/performance.md)."""
    lookups = {"details__" + "__".join(path): path for path in paths}
    newest = SiteScoreSnapshot.objects.filter(site_id__in=list(site_ids))
    if as_of is not None:
        newest = newest.filter(as_of__lte=as_of)
    newest = newest.order_by("site_id", "-as_of").distinct("site_id").values("pk")
    rows = (
        SiteScoreSnapshot.objects.filter(pk__in=Subquery(newest))
        .order_by("site_id")
        .values(*SNAPSHOT_FIELDS, *lookups)
    )
    out = []
    for row in rows:
        details: dict = {}
        for lookup, (*parents, leaf) in lookups.items():
            node = details
            for parent in parents:
                node = node.setdefault(parent, {})
            node[leaf] = row.pop(lookup)
        # Only the parts read are laid over their shape: the rest is not there to read.
        out.append({**row, "details": {k: complete_part(k, v) for k, v in details.items()}})
    return out


def snapshot_history(site_ids, days: list[dt.date]) -> dict[dt.date, list[dict]]:
    """Each site's newest snapshot on or before each of ``days``, as ``snapshot_rows``
    gives them (figures, no details), by day. One query: a backward probe of the
    (site, as_of) key per site and day, never a scan of history."""
    columns = list(FIGURES)
    select = ", ".join(f"s.{c}" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT d.day, site.id, s.as_of, {select}
                FROM unnest(%s::date[]) AS d(day)
                CROSS JOIN unnest(%s::bigint[]) AS site(id)
                CROSS JOIN LATERAL (
                    SELECT s.as_of, {select} FROM {SiteScoreSnapshot._meta.db_table} s
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
    return by_day


def site_risk_snapshots(site_ids) -> dict[int, dict]:
    """Each site's latest snapshot, reduced to what the OEM pages show: ``as_of``, the
    revenue-at-risk ``window`` and ``rows`` (``details["revenue_at_risk"]`` by
    relationship_id). Sites without a snapshot are absent. One query (``snapshot_rows``:
    only these JSON keys are read)."""
    return {
        snapshot["site_id"]: {
            "as_of": snapshot["as_of"],
            "window": snapshot["details"][Detail.WINDOWS][Window.REVENUE_AT_RISK],
            "rows": {
                row["relationship_id"]: row for row in snapshot["details"][Detail.REVENUE_AT_RISK]
            },
        }
        for snapshot in snapshot_rows(site_ids, None, paths=RISK_DETAILS)
    }


def capital_proposals(site_ids) -> dict[int, CapitalProposal]:
    """The sites' proposed monitoring investments, by site id (sites without one absent)."""
    return {p.site_id: p for p in CapitalProposal.objects.filter(site_id__in=list(site_ids))}


def site_capital_proposal(site_id: int) -> CapitalProposal | None:
    return CapitalProposal.objects.filter(site_id=site_id).first()


# --- What a figure is made of ------------------------------------------------------------------


def exposure_penalties(site_id: int, as_of: dt.date):
    """The penalty records in a site's exposure window as of ``as_of`` (trailing 12 months)."""
    return PenaltyRecord.objects.filter(
        relationship__site_id=site_id,
        incurred_on__gt=as_of - dt.timedelta(days=TRAILING_YEAR_DAYS),
        incurred_on__lte=as_of,
    )


def exposure_contributions(site_id: int, as_of: dt.date, limit: int | None = None) -> list[dict]:
    """The penalty records behind a site's exposure as of ``as_of`` (trailing 12 months),
    newest first (the latest ``limit`` when given), each with the failure event it stems
    from and whether that failure was detectable, i.e. counts toward the addressable
    exposure."""
    rows = (
        exposure_penalties(site_id, as_of)
        .order_by("-incurred_on", "pk")
        .values(
            "pk",
            "invoice_reference",
            "incurred_on",
            "amount",
            "reason",
            "relationship__customer__name",
            "failure_event_id",
            "failure_event__started_at",
            "failure_event__asset__code",
            "failure_event__failure_mode__code",
            "failure_event__failure_mode__detectable_by_condition_monitoring",
        )
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        {
            "penalty_id": r["pk"],
            "invoice_reference": r["invoice_reference"],
            "incurred_on": r["incurred_on"],
            "amount": r["amount"],
            "reason": r["reason"],
            "customer": r["relationship__customer__name"],
            "failure_event_id": r["failure_event_id"],
            "failure_started_at": r["failure_event__started_at"],
            "asset": r["failure_event__asset__code"],
            "failure_mode": r["failure_event__failure_mode__code"],
            "addressable": bool(
                r["failure_event__failure_mode__detectable_by_condition_monitoring"]
            ),
        }
        for r in rows
    ]


def relationship_customers(site_id: int) -> dict[int, str]:
    """The customer name of each OEM relationship of the site, by relationship id."""
    return dict(OEMRelationship.objects.filter(site_id=site_id).values_list("pk", "customer__name"))


def line_names(site_id: int) -> dict[int, str]:
    return dict(Line.objects.filter(site_id=site_id).values_list("pk", "name"))


def changeover_windows(window_ids) -> list[dict]:
    """The changeover windows ``window_ids`` (a snapshot's last 4), newest first."""
    return list(
        ChangeoverWindow.objects.filter(pk__in=list(window_ids))
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


def open_tier1_alert_zones(site_id: int) -> dict[int, list[str]]:
    """The worst zone of each alert open now on a Tier 1 asset of the site, by asset id."""
    zones: dict[int, list[str]] = {}
    for asset_id, zone in Alert.objects.filter(
        asset__site_id=site_id, asset__tier=1, closed_at__isnull=True
    ).values_list("asset_id", "worst_zone"):
        zones.setdefault(asset_id, []).append(zone)
    return zones


# --- Reliability standard and translation pages ----------------------------------------------


def standard_for_viewer(user, code: str):
    """``(portfolio, standard)`` of the portfolio ``code`` if ``user`` may see its standard,
    else None.

    Seen by whoever sees the portfolio as a whole (its directors, executives) and by people
    at its sites, who are measured against it: the rule of
    ``PortfolioWideQuerySet.visible_to``, asked of the portfolio. ``portfolio.sees_whole``
    tells whether ``user`` also sees the portfolio's own page. Two queries.
    """
    whole = Portfolio.objects.visible_to(user).filter(pk=OuterRef("pk"))
    at_a_site = Site.objects.visible_to(user).filter(portfolio_id=OuterRef("pk"))
    portfolio = (
        Portfolio.objects.filter(code=code)
        .annotate(sees_whole=Exists(whole), sees_a_site=Exists(at_a_site))
        .filter(Q(sees_whole=True) | Q(sees_a_site=True))
        .first()
    )
    if portfolio is None:
        return None
    return portfolio, ReliabilityStandard.objects.select_related("updated_by").get(
        portfolio=portfolio
    )


def standard_history(standard):
    """The audit entries of ``standard`` (every saved change, with its fields' before and
    after), newest first; ``actor_name`` survives the user, so no join is needed."""
    content_type = ContentType.objects.get_for_model(type(standard), for_concrete_model=True)
    return AuditEntry.objects.filter(
        content_type=content_type, object_id=str(standard.pk)
    ).order_by("-at", "-id")
