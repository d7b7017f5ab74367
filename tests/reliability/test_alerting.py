"""Alerts raised from the hourly roll-ups: zones, thresholds, trends, one open per asset
and metric, and the estimated time to failure."""

import datetime as dt

import numpy as np
import pytest

from ingest.services import batch_ingest_file
from reliability import rollups
from reliability.alerting import alerts_evaluate
from reliability.models import Alert
from tests.factories import AssetFactory, SensorFactory

START = dt.datetime(2026, 10, 20, tzinfo=dt.UTC)


def load(tmp_path, sensor, values, start=START):
    """Hourly readings ``values`` from ``start``, through the real ingest path."""
    path = tmp_path / f"s{sensor.pk}-{len(values)}.csv"
    lines = ["sensor_id,measured_at,value"] + [
        f"{sensor.pk},{(start + dt.timedelta(hours=h)).isoformat()},{v:.4f}"
        for h, v in enumerate(values)
    ]
    path.write_text("\n".join(lines) + "\n")
    batch = batch_ingest_file(path=path, kind="readings")
    assert batch.rows_inserted == len(values), batch.error
    rollups.rebuild([sensor.pk])  # the roll-ups the ingest keeps, rebuilt to be sure
    return start + dt.timedelta(hours=len(values))


@pytest.fixture
def press(world):
    # Group 1, rigid: zones A/B 2.3, B/C 4.5, C/D 7.1 mm/s.
    asset = AssetFactory(line=world.asset_a.line, machine_group=1, foundation="rigid")
    return SensorFactory(asset=asset, metric="vibration_velocity_rms")


def test_a_degrading_series_gives_one_alert_with_time_to_zone_d(press, tmp_path):
    # 2.0 mm/s rising 0.02 per hour for 240 h: the last hour (h = 239) reads 6.78, zone C;
    # the line crosses 7.1 at h = 255, i.e. 16 h after the last hour's start (15 h after
    # its end, when the evaluation runs).
    rng = np.random.default_rng(3)
    values = 2.0 + 0.02 * np.arange(240) + rng.normal(0, 0.05, 240)
    now = load(tmp_path, press, values)
    assert alerts_evaluate(asset_ids=[press.asset_id], now=now)["opened"] == 1
    alert = Alert.objects.get(asset=press.asset)
    assert (alert.rule, alert.first_zone, alert.worst_zone) == ("zone", "C", "C")
    assert alert.rate_per_day == pytest.approx(0.48, rel=0.1)
    assert alert.estimated_hours_to_failure == pytest.approx(16, abs=4)
    # The condition lasts and worsens: the same alert is updated, never duplicated.
    more = 2.0 + 0.02 * np.arange(240, 264)
    now = load(tmp_path, press, more, start=now)
    assert alerts_evaluate(asset_ids=[press.asset_id], now=now)["updated"] == 1
    alert.refresh_from_db()
    assert Alert.objects.filter(asset=press.asset).count() == 1
    assert (alert.first_zone, alert.worst_zone) == ("C", "D")
    assert alert.estimated_hours_to_failure == 0


def test_a_noisy_flat_series_raises_nothing(press, tmp_path):
    rng = np.random.default_rng(5)
    now = load(tmp_path, press, 2.0 + rng.normal(0, 0.1, 240))
    assert alerts_evaluate(asset_ids=[press.asset_id], now=now)["opened"] == 0
    assert not Alert.objects.exists()


def test_a_hot_motor_raises_a_threshold_alert(world, tmp_path):
    motor = AssetFactory(line=world.asset_a.line, asset_class="motor")
    sensor = SensorFactory(asset=motor, metric="temperature")
    now = load(tmp_path, sensor, [60.0] * 20 + [97.0] * 4)  # motor alarm at 95 °C
    alerts_evaluate(asset_ids=[motor.pk], now=now)
    alert = Alert.objects.get(asset=motor)
    assert (alert.rule, alert.metric, alert.first_zone) == ("threshold", "temperature", "")
    assert alert.estimated_hours_to_failure == 0


def test_a_rising_trend_alerts_before_the_level_does(press, tmp_path):
    # Still in zone B (4.39 at the end) but rising steadily toward 7.1 within 30 days.
    values = 3.0 + (1.4 / 240) * np.arange(240)
    now = load(tmp_path, press, values)
    alerts_evaluate(asset_ids=[press.asset_id], now=now)
    alert = Alert.objects.get(asset=press.asset)
    assert alert.rule == "trend" and alert.worst_zone == "B"
    # (7.1 − 4.39) ÷ (1.4/240 per hour) ≈ 465 h from the last hour.
    assert alert.estimated_hours_to_failure == pytest.approx(465, rel=0.05)
