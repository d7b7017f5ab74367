"""Writes a generated DemoDataset into the database.

The small tables go through ``bulk_create``; production records and readings, the tables
that grow to millions of rows, go through PostgreSQL ``COPY`` (readings in the binary
format, built with numpy, so no per-row Python work happens at all).
"""

import csv
import io
import time
from collections.abc import Callable, Iterable

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from oem.models import OEMCustomer, OEMRelationship, PenaltyRecord, ScorecardResult
from portfolio.models import Line, Membership, Portfolio, Site
from reliability import readings_copy, rollups
from reliability.models import (
    Alert,
    Asset,
    Certification,
    ChangeoverWindow,
    FailureEvent,
    FailureMode,
    PreventedFailure,
    ProductionRecord,
    Reading,
    ReadingDaily,
    ReadingHourly,
    Sensor,
    WorkOrder,
)
from scores.models import CapitalProposal

from .generator import DemoDataset, iter_readings

DEMO_USERS = ("vp", "director", "manager", "tech")
DEMO_PASSWORD = "demo"
# The other sites' technicians the generator names (tech-b, tech-c, …): data, not logins.
DATA_TECHNICIAN_PATTERN = r"^tech-[a-z]$"
UNUSABLE_PREFIX = "!"  # how Django stores an unusable password (set_unusable_password)
BATCH = 5000
ROLLUP_SLICE_ROWS = 1_000_000


class DemoAlreadyLoaded(Exception):
    """The database already holds a demo portfolio."""


def demo_portfolio_codes(data: DemoDataset) -> list[str]:
    return [p["code"] for p in data.portfolios]


def load(data: DemoDataset, *, progress: Callable[[str], None] = lambda _msg: None) -> dict:
    """Write ``data`` in one transaction; returns seconds spent per step."""
    if Portfolio.objects.filter(code__in=demo_portfolio_codes(data)).exists():
        raise DemoAlreadyLoaded("A demo portfolio is already loaded; use --replace to rebuild it.")
    timings: dict[str, float] = {}
    with transaction.atomic():
        ids = _Ids()
        for name, step in [
            ("structure", _load_structure),
            ("people", _load_people),
            ("capital plan", _load_capital_plan),
            ("events", _load_events),
            ("oem", _load_oem),
            ("production", _load_production),
            ("readings", _load_readings),
        ]:
            started = time.perf_counter()
            progress(f"loading {name}…")
            step(data, ids)
            timings[name] = round(time.perf_counter() - started, 2)
    return timings


def demo_usernames(data: DemoDataset) -> list[str]:
    """The demo logins, then the people of the data (other sites' technicians)."""
    return list(dict.fromkeys([*DEMO_USERS, *data.technicians.values()]))


def delete_demo(portfolio_codes: Iterable[str]) -> None:
    """Remove the demo portfolios, everything at their sites, and the demo's people."""
    sites = Site.objects.filter(portfolio__code__in=list(portfolio_codes))
    assets = Asset.objects.filter(site__in=sites)
    with transaction.atomic():
        PreventedFailure.objects.filter(site__in=sites).delete()
        Alert.objects.filter(asset__in=assets).delete()
        PenaltyRecord.objects.filter(relationship__site__in=sites).delete()
        ScorecardResult.objects.filter(relationship__site__in=sites).delete()
        OEMRelationship.objects.filter(site__in=sites).delete()
        OEMCustomer.objects.filter(relationships__isnull=True).delete()
        FailureEvent.objects.filter(asset__in=assets).delete()
        WorkOrder.objects.filter(site__in=sites).delete()
        ProductionRecord.objects.filter(line__site__in=sites).delete()
        ChangeoverWindow.objects.filter(line__site__in=sites).delete()
        _delete_readings(Sensor.objects.filter(asset__in=assets))
        Sensor.objects.filter(asset__in=assets).delete()
        assets.delete()
        Line.objects.filter(site__in=sites).delete()
        sites.delete()
        Portfolio.objects.filter(code__in=list(portfolio_codes)).delete()
        people = get_user_model().objects.filter(username__in=DEMO_USERS)
        # The data's technicians only: accounts that cannot sign in (a real "tech-b" can).
        data_people = get_user_model().objects.filter(
            username__regex=DATA_TECHNICIAN_PATTERN, password__startswith=UNUSABLE_PREFIX
        )
        (people | data_people).delete()


def _delete_readings(sensors) -> None:
    """Delete the sensors' readings and roll-ups by the primary key's leading column.

    Django deletes rows of a composite-key model with ``(sensor_id, measured_at) IN
    (subquery)``, which takes minutes on millions of rows; this is one index range scan
    per sensor.
    """
    sensor_ids = list(sensors.values_list("id", flat=True))
    with connection.cursor() as cursor:
        for model in (Reading, ReadingHourly, ReadingDaily):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE sensor_id = ANY(%s)", [sensor_ids]
            )


class _Ids:
    """Database ids of the rows loaded so far, by natural key."""

    def __init__(self):
        self.portfolio: dict = {}
        self.site: dict = {}
        self.line: dict = {}
        self.asset: dict = {}
        self.sensor: dict = {}
        self.window: dict = {}
        self.work_order: dict = {}
        self.failure: dict = {}
        self.customer: dict = {}
        self.relationship: dict = {}
        self.alert: dict = {}
        self.user: dict = {}
        self.failure_mode = dict(FailureMode.objects.values_list("code", "id"))


def _create(model, objects: list, key: Callable) -> dict:
    created = model.objects.bulk_create(objects, batch_size=BATCH)
    return {key(obj): obj.pk for obj in created}


def _load_structure(data: DemoDataset, ids: _Ids) -> None:
    # One by one, not in bulk: a new portfolio's defaults (its standard, its escalation
    # rules) are made by the receivers of its post_save.
    ids.portfolio = {
        p["code"]: Portfolio.objects.create(
            code=p["code"], name=p["name"], is_acquisition_target=p["is_acquisition_target"]
        ).pk
        for p in data.portfolios
    }
    ids.site = _create(
        Site,
        [
            Site(
                portfolio_id=ids.portfolio[s["portfolio"]],
                code=s["code"],
                name=s["name"],
                timezone=s["timezone"],
                annual_revenue=s["annual_revenue"],
                production_value_per_hour=s["production_value_per_hour"],
                annual_maintenance_spend=s["annual_maintenance_spend"],
            )
            for s in data.sites
        ],
        lambda o: o.code,
    )
    site_code = {pk: code for code, pk in ids.site.items()}
    ids.line = _create(
        Line,
        [
            Line(
                site_id=ids.site[ln["site"]],
                code=ln["code"],
                name=ln["name"],
                jit_linked=ln["jit_linked"],
            )
            for ln in data.lines
        ],
        lambda o: (site_code[o.site_id], o.code),
    )
    ids.asset = _create(
        Asset,
        [
            Asset(
                site_id=ids.site[a["site"]],
                line_id=ids.line[(a["site"], a["line"])],
                code=a["code"],
                name=a["name"],
                asset_class=a["asset_class"],
                tier=a["tier"],
                is_bottleneck=a["is_bottleneck"],
                machine_group=a["machine_group"],
                foundation=a["foundation"],
                replacement_value=a["replacement_value"],
                installed_on=a["installed_on"],
            )
            for a in data.assets
        ],
        lambda o: (site_code[o.site_id], o.code),
    )
    installed = data.readings_start
    sensors = [
        Sensor(
            asset_id=ids.asset[(p.site, p.asset)],
            code=p.code,
            metric=p.metric,
            installed_at=installed,
        )
        for p in data.sensors
    ]
    created = Sensor.objects.bulk_create(sensors, batch_size=BATCH)
    ids.sensor = {
        (p.site, p.asset, p.code): s.pk for p, s in zip(data.sensors, created, strict=True)
    }


def _load_capital_plan(data: DemoDataset, ids: _Ids) -> None:
    CapitalProposal.objects.bulk_create(
        [
            CapitalProposal(
                site_id=ids.site[p["site"]], amount=p["amount"], description=p["description"]
            )
            for p in data.capital_proposals
        ]
    )


def _load_people(data: DemoDataset, ids: _Ids) -> None:
    User = get_user_model()
    for username in demo_usernames(data):
        user, created = User.objects.get_or_create(username=username)
        if username in DEMO_USERS:
            user.set_password(DEMO_PASSWORD)
        elif not created and user.has_usable_password():
            # Someone real by that name: the demo does not take their account over.
            raise DemoAlreadyLoaded(
                f"A user named {username!r} exists and signs in; the demo names another "
                "site's technician so. Rename that user, or load the demo elsewhere."
            )
        else:  # people of the data (other sites' technicians): no sign-in
            user.set_unusable_password()
        # The executive sees everything, so is also the admin's superuser; the others work
        # in the pages.
        user.is_staff = user.is_superuser = username == "vp"
        user.save()
        ids.user[username] = user.pk
    Membership.objects.filter(user_id__in=ids.user.values()).delete()
    Membership.objects.bulk_create(
        [
            Membership(
                user_id=ids.user[m["username"]],
                role=m["role"],
                portfolio_id=ids.portfolio.get(m["portfolio"]),
                site_id=ids.site.get(m["site"]),
            )
            for m in data.memberships
        ]
    )
    Certification.objects.filter(holder_id__in=ids.user.values()).delete()
    Certification.objects.bulk_create(
        [
            Certification(
                holder_id=ids.user[c["holder"]],
                kind=c["kind"],
                status=c["status"],
                earned_on=c.get("earned_on"),
                expires_on=c.get("expires_on"),
                target_date=c.get("target_date"),
            )
            for c in data.certifications
        ]
    )


def _load_events(data: DemoDataset, ids: _Ids) -> None:
    site_code = {pk: code for code, pk in ids.site.items()}
    line_key = {pk: key for key, pk in ids.line.items()}
    ids.window = _create(
        ChangeoverWindow,
        [
            ChangeoverWindow(
                line_id=ids.line[(w["site"], w["line"])],
                starts_at=w["starts_at"],
                ends_at=w["ends_at"],
                available_minutes=w["available_minutes"],
                maintenance_minutes_scheduled=w["maintenance_minutes_scheduled"],
                maintenance_minutes_executed=w["maintenance_minutes_executed"],
            )
            for w in data.windows
        ],
        lambda o: (*line_key[o.line_id], o.starts_at),
    )
    mode = ids.failure_mode
    ids.work_order = _create(
        WorkOrder,
        [
            WorkOrder(
                site_id=ids.site[w["site"]],
                asset_id=ids.asset[(w["site"], w["asset"])],
                external_id=w["external_id"],
                kind=w["kind"],
                description=w["description"],
                opened_at=w["opened_at"],
                started_at=w["started_at"],
                completed_at=w["completed_at"],
                downtime_minutes=w["downtime_minutes"],
                parts_cost=w["parts_cost"],
                labour_hours=w["labour_hours"],
                labour_cost=w["labour_cost"],
                changeover_window_id=ids.window[(w["site"], *w["window"])] if w["window"] else None,
                failure_mode_id=mode.get(w["failure_mode"]),
            )
            for w in data.work_orders
        ],
        lambda o: (site_code[o.site_id], o.external_id),
    )
    asset_key = {pk: key for key, pk in ids.asset.items()}
    ids.failure = _create(
        FailureEvent,
        [
            FailureEvent(
                asset_id=ids.asset[(f["site"], f["asset"])],
                started_at=f["started_at"],
                ended_at=f["ended_at"],
                failure_mode_id=mode.get(f["failure_mode"]),
                production_lost_units=f["production_lost_units"],
                work_order_id=ids.work_order[(f["site"], f["work_order"])],
                description=f["description"],
            )
            for f in data.failures
        ],
        lambda o: (*asset_key[o.asset_id], o.started_at),
    )
    ids.alert = _create(
        Alert,
        [
            Alert(
                asset_id=ids.asset[(a["site"], a["asset"])],
                sensor_id=ids.sensor[(a["site"], a["asset"], a["sensor"])],
                metric=a["metric"],
                rule=a["rule"],
                status=a["status"],
                detected_at=a["detected_at"],
                first_zone=a["first_zone"],
                worst_zone=a["worst_zone"],
                rate_per_day=a["rate_per_day"],
                estimated_hours_to_failure=a["estimated_hours_to_failure"],
                acknowledged_at=a["acknowledged_at"],
                acknowledged_by_id=ids.user.get(a.get("acknowledged_by")),
                closed_at=a["closed_at"],
                work_order_id=ids.work_order[(a["site"], a["work_order"])]
                if a["work_order"]
                else None,
                resolution=a["resolution"],
            )
            for a in data.alerts
        ],
        lambda o: (*asset_key[o.asset_id], o.detected_at),
    )
    PreventedFailure.objects.bulk_create(
        [
            PreventedFailure(
                technician_id=ids.user[p["technician"]],
                site_id=ids.site[p["site"]],
                asset_id=ids.asset[(p["site"], p["asset"])],
                origin=p["origin"],
                alert_id=ids.alert[(p["site"], *p["alert"])] if p["alert"] else None,
                failure_mode_id=mode.get(p["failure_mode"]),
                detected_at=p["detected_at"],
                confirmed_at=p["confirmed_at"],
                evidence=p["evidence"],
                repair_work_order_id=ids.work_order[(p["site"], p["repair_work_order"])],
                changeover_window_id=ids.window[(p["site"], *p["window"])],
                parts_cost=p["parts_cost"],
                labour_hours=p["labour_hours"],
                protected_window_hours=p["protected_window_hours"],
                estimated_value=p["estimated_value"],
            )
            for p in data.prevented_failures
        ],
        batch_size=BATCH,
    )


def _load_oem(data: DemoDataset, ids: _Ids) -> None:
    existing = dict(OEMCustomer.objects.values_list("code", "id"))
    new = [
        OEMCustomer(code=c["code"], name=c["name"])
        for c in data.customers
        if c["code"] not in existing
    ]
    ids.customer = existing | _create(OEMCustomer, new, lambda o: o.code)
    ids.relationship = {}
    for r in data.relationships:
        rel = OEMRelationship.objects.create(
            customer_id=ids.customer[r["customer"]],
            site_id=ids.site[r["site"]],
            annual_revenue=r["annual_revenue"],
            status=r["status"],
            sdp_threshold_score=r["sdp_threshold_score"],
        )
        ids.relationship[(r["customer"], r["site"])] = rel.pk
    ScorecardResult.objects.bulk_create(
        [
            ScorecardResult(
                relationship_id=ids.relationship[(s["customer"], s["site"])],
                year=s["year"],
                quarter=s["quarter"],
                score=s["score"],
                components=s["components"],
            )
            for s in data.scorecards
        ],
        batch_size=BATCH,
    )
    PenaltyRecord.objects.bulk_create(
        [
            PenaltyRecord(
                relationship_id=ids.relationship[(p["customer"], p["site"])],
                invoice_reference=p["invoice_reference"],
                incurred_on=p["incurred_on"],
                amount=p["amount"],
                reason=p["reason"],
                failure_event_id=ids.failure[(p["site"], *p["failure"])] if p["failure"] else None,
                asset_id=ids.asset[(p["site"], p["failure"][0])] if p["failure"] else None,
                occurred_at=p["failure"][1] if p["failure"] else None,
            )
            for p in data.penalties
        ],
        batch_size=BATCH,
    )


def _load_production(data: DemoDataset, ids: _Ids) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for site, line, *rest in data.production:
        writer.writerow([ids.line[(site, line)], *rest])
    buffer.seek(0)
    columns = (
        "line_id, production_date, shift, planned_production_minutes, run_minutes, "
        "ideal_cycle_time_seconds, total_count, good_count"
    )
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {ProductionRecord._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv)",
            buffer,
        )


def _load_readings(data: DemoDataset, ids: _Ids) -> None:
    """COPY the readings a million rows at a time, adding each slice to the hourly and
    daily roll-ups as the ingest does per chunk (memory stays bounded at every scale).
    Readings carry no database foreign key (docs/model.md): nothing is queued per row."""
    slice_ = _ReadingSlice()
    with connection.cursor() as cursor:
        for plan, times, values in iter_readings(data):
            sensor = ids.sensor[(plan.site, plan.asset, plan.code)]
            slice_.add(sensor, times.astype("int64"), values)
            if slice_.rows >= ROLLUP_SLICE_ROWS:
                slice_.store(cursor)
        slice_.store(cursor)


class _ReadingSlice:
    """Readings gathered for one COPY and one roll-up update."""

    def __init__(self):
        self.payload, self.sensors, self.times, self.values, self.rows = [], [], [], [], 0

    def add(self, sensor: int, unix_us: np.ndarray, values: np.ndarray) -> None:
        self.payload.append(readings_copy.encode(unix_us, sensor, values))
        self.sensors.append(np.full(len(unix_us), sensor, dtype=np.int64))
        self.times.append(unix_us)
        self.values.append(values)
        self.rows += len(unix_us)

    def store(self, cursor) -> None:
        if self.rows:
            readings_copy.copy_into(cursor, Reading._meta.db_table, iter(self.payload))
            rollups.add_readings(
                cursor,
                np.concatenate(self.sensors),
                np.concatenate(self.times),
                np.concatenate(self.values),
            )
        self.__init__()
