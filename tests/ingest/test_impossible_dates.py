"""Impossible dates are refused per line, naming the field, the value and the limit."""

import pytest

from ingest.models import IngestBatch, Status
from reliability.models import FailureEvent, Reading, WorkOrder
from tests.factories import SensorFactory
from tests.people import client_for

IMPOSSIBLE = [
    ("9999-12-31T00:00:00Z", "is after now + 1 day"),
    ("0001-01-01T00:00:00Z", "is before 1990-01-01"),
    ("1900-01-01T00:00:00Z", "is before 1990-01-01"),
    ("2200-01-01T00:00:00Z", "is after now + 1 day"),
]
GOOD = "2026-11-02T08:00:00Z"


def rejected(batch):
    return [(r.line, r.field, r.reason) for r in batch.rejected_rows.order_by("line", "id")]


def expected(field):
    return [
        (line, field, f"{value} {reason}") for line, (value, reason) in enumerate(IMPOSSIBLE, 3)
    ]


def test_readings(world, load):
    sensor = SensorFactory(asset=world.asset_a, code="vib", metric="vibration_velocity_rms")
    rows = [f"{sensor.pk},{GOOD},2.5"] + [f"{sensor.pk},{value},2.5" for value, _ in IMPOSSIBLE]
    batch = load("readings", "sensor_id,measured_at,value\n" + "\n".join(rows) + "\n")
    assert batch.status == Status.DONE
    assert rejected(batch) == expected("measured_at")
    assert Reading.objects.filter(sensor=sensor).count() == 1


def test_failure_events(world, load):
    rows = [f"site-a,M-1,{GOOD},"] + [f"site-a,M-1,{value}," for value, _ in IMPOSSIBLE]
    batch = load("failure_events", "site,asset,started_at,ended_at\n" + "\n".join(rows) + "\n")
    assert batch.status == Status.DONE
    assert rejected(batch) == expected("started_at")
    assert FailureEvent.objects.count() == 1


def test_work_orders(world, load):
    head = "site,asset,external_id,kind,opened_at\n"
    rows = [f"site-a,M-1,W0,corrective,{GOOD}"] + [
        f"site-a,M-1,W{n},corrective,{value}" for n, (value, _) in enumerate(IMPOSSIBLE, 1)
    ]
    batch = load("work_orders", head + "\n".join(rows) + "\n")
    assert batch.status == Status.DONE
    assert rejected(batch) == expected("opened_at")
    assert list(WorkOrder.objects.values_list("external_id", flat=True)) == ["W0"]


@pytest.mark.parametrize("value", ["1900-01-01", "9999-12-31"])
def test_dates_of_a_day_too(world, load, value):
    head = (
        "site,line,production_date,shift,planned_production_minutes,run_minutes,"
        "ideal_cycle_time_seconds,total_count,good_count\n"
    )
    batch = load(
        "production_records",
        head + f"site-a,{world.asset_a.line.code},{value},day,480,420,30,800,780\n",
    )
    assert [(line, field) for line, field, _ in rejected(batch)] == [(2, "production_date")]


def test_the_limits_are_settings(world, load, settings):
    settings.INGEST_EARLIEST_DATE = "2026-11-03"
    settings.INGEST_FUTURE_TOLERANCE_SECONDS = 3600
    sensor = SensorFactory(asset=world.asset_a, code="vib", metric="vibration_velocity_rms")
    text = f"sensor_id,measured_at,value\n{sensor.pk},{GOOD},2.5\n{sensor.pk},2200-01-01T00:00Z,1\n"
    batch = load("readings", text)
    assert rejected(batch) == [
        (2, "measured_at", f"{GOOD} is before 2026-11-03"),
        (3, "measured_at", "2200-01-01T00:00Z is after now + 1 hour"),
    ]


def test_a_planned_window_may_lie_ahead(world, load):
    line = world.asset_a.line.code
    head = "site,line,starts_at,ends_at,available_minutes\n"
    batch = load(
        "changeover_windows",
        head + f"site-a,{line},2027-06-01T06:00:00Z,2027-06-01T08:00:00Z,120\n"
        f"site-a,{line},9999-06-01T06:00:00Z,9999-06-01T08:00:00Z,120\n",
    )
    assert [(line, field) for line, field, _ in rejected(batch)] == [
        (3, "starts_at"),
        (3, "ends_at"),
    ]
    assert batch.rows_inserted == 1


def test_bulk_json_readings(world, django_capture_on_commit_callbacks, eager_tasks):
    sensor = SensorFactory(asset=world.asset_a, code="vib", metric="vibration_velocity_rms")
    rows = [{"sensor_id": sensor.pk, "measured_at": GOOD, "value": 2.5}] + [
        {"sensor_id": sensor.pk, "measured_at": value, "value": 2.5} for value, _ in IMPOSSIBLE
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world, "manager_a").post(
            "/api/v1/ingest/readings/", data={"rows": rows}, content_type="application/json"
        )
    assert response.status_code == 202, response.content
    batch = IngestBatch.objects.get(pk=response.json()["id"])
    assert rejected(batch) == expected("measured_at")
    assert Reading.objects.filter(sensor=sensor).count() == 1


def test_the_floor_is_the_first_day_in_any_timezone(world, load):
    """1990-01-01 00:00 in Tokyo is 1989-12-31 15:00 UTC: a day of 1990 there, accepted.
    An instant before 1990 began anywhere (10:00 UTC the day before, in UTC+14) is not."""
    sensor = SensorFactory(asset=world.asset_a, code="vib", metric="vibration_velocity_rms")
    rows = [
        f"{sensor.pk},1990-01-01T00:00:00+09:00,2.5",
        f"{sensor.pk},1990-01-01T00:00:00+14:00,2.5",
        f"{sensor.pk},1989-12-31T09:59:00Z,2.5",
    ]
    batch = load("readings", "sensor_id,measured_at,value\n" + "\n".join(rows) + "\n")
    assert rejected(batch) == [
        (4, "measured_at", "1989-12-31T09:59:00Z is before 1990-01-01"),
    ]
    assert Reading.objects.filter(sensor=sensor).count() == 2
