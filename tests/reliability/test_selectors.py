"""Chart series that stay light, and recurring-failure recommendations from stored data."""

import datetime as dt

import numpy as np
import pytest

from reliability import rollups
from reliability.models import Alert, FailureEvent, FailureMode, Reading, WorkOrder
from reliability.selectors import reading_series, recurring_failure_recommendations
from tests.factories import SensorFactory
from tests.people import client_for

T0 = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


@pytest.fixture
def minute_sensor(world):
    """Three days of minute readings with one spike, plus a year of hourly ones."""
    sensor = SensorFactory(asset=world.asset_a)
    minutes = [
        Reading(sensor=sensor, measured_at=T0 + dt.timedelta(minutes=m), value=2.0 + (m % 7) / 10)
        for m in range(3 * 1440)
    ]
    minutes[2000].value = 9.5
    earlier = [
        Reading(sensor=sensor, measured_at=T0 - dt.timedelta(hours=h), value=3.0)
        for h in range(1, 365 * 24)
    ]
    Reading.objects.bulk_create(minutes + earlier, batch_size=5000)
    rollups.rebuild([sensor.pk])
    return sensor


def test_raw_window_is_thinned_but_keeps_the_spike(world, minute_sensor):
    series = reading_series(
        world.user("tech_a"), minute_sensor.pk, T0, T0 + dt.timedelta(days=3), 400
    )
    assert series["source"] == "readings"
    assert len(series["value"]) <= 400
    assert max(series["value"]) == pytest.approx(9.5)


def test_long_windows_come_from_roll_ups(world, minute_sensor):
    user = world.user("tech_a")
    month = reading_series(user, minute_sensor.pk, T0 - dt.timedelta(days=30), T0, 1000)
    assert month["source"] == "hourly" and len(month["value"]) == 30 * 24
    year = reading_series(user, minute_sensor.pk, T0 - dt.timedelta(days=364), T0, 100)
    assert year["source"].startswith("daily, merged") and len(year["value"]) <= 100
    assert np.allclose(year["value"], 3.0)


def test_series_is_scoped_and_served_by_the_api(world, minute_sensor):
    from reliability.models import Sensor

    with pytest.raises(Sensor.DoesNotExist):
        reading_series(world.user("tech_b"), minute_sensor.pk, T0, T0 + dt.timedelta(days=1))
    response = client_for(world, "tech_a").get(
        f"/api/v1/sensors/{minute_sensor.pk}/series/",
        {"start": T0.isoformat(), "end": (T0 + dt.timedelta(days=1)).isoformat(), "points": 50},
    )
    assert response.status_code == 200 and len(response.json()["value"]) <= 50
    naive = client_for(world, "tech_a").get(
        f"/api/v1/sensors/{minute_sensor.pk}/series/", {"start": "2026-01-05T00:00:00"}
    )
    assert naive.status_code == 400


def test_onset_in_weeks_8_8_9_of_12_recommends_6(world):
    asset, mode = world.asset_a, FailureMode.objects.get(code="bearing-wear")
    start = dt.datetime(2025, 1, 6, tzinfo=dt.UTC)
    for cycle, onset_week in enumerate([8, 8, 9]):
        cycle_start = start + dt.timedelta(weeks=12 * cycle)
        WorkOrder.objects.create(
            site=world.site_a,
            asset=asset,
            external_id=f"PM-{cycle}",
            kind="preventive",
            opened_at=cycle_start,
            completed_at=cycle_start,
        )
        onset = cycle_start + dt.timedelta(weeks=onset_week - 1, days=2)
        Alert.objects.create(
            asset=asset,
            metric="vibration_velocity_rms",
            rule="zone",
            detected_at=onset,
            first_zone="C",
            worst_zone="C",
            status="closed",
            closed_at=onset,
            resolution="confirmed_fault",
        )
        FailureEvent.objects.create(
            asset=asset, started_at=onset + dt.timedelta(days=10), failure_mode=mode
        )
    WorkOrder.objects.create(
        site=world.site_a,
        asset=asset,
        external_id="PM-3",
        kind="preventive",
        opened_at=start + dt.timedelta(weeks=36),
        completed_at=start + dt.timedelta(weeks=36),
    )
    [pattern] = recurring_failure_recommendations(
        world.user("manager_a"), since=dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    )
    assert (pattern["asset"], pattern["interval_weeks"], pattern["onset_weeks"]) == (
        "M-1",
        12,
        [8, 8, 9],
    )
    assert pattern["recommended_weeks"] == 6 and len(pattern["evidence"]) == 3
    assert recurring_failure_recommendations(world.user("tech_b"), since=start) == []
    page = client_for(world, "manager_a").get("/alerts/patterns/")
    assert b"propose a PM every <strong>6 weeks" in page.content
