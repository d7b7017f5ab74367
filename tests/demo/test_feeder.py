"""The live demo's feeder (demo/feeder.py): a minute of readings for every sensor each
minute, and one Tier 1 asset degrading so that an alert opens within the first hour. The
clock is driven, never slept on."""

import datetime as dt

import pytest
from freezegun import freeze_time

from demo import feeder
from ingest.services import batch_ingest_file
from reliability.models import Alert, Reading
from tests.factories import AssetFactory, PortfolioFactory, SensorFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
START = dt.datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def demo_site(tmp_path):
    """The demo portfolio's first site: a Tier 1 motor with vibration and temperature
    sensors read hourly for the last day, and a Tier 2 pump whose sensor went silent."""
    portfolio = PortfolioFactory(code="great-lakes")
    motor = AssetFactory(
        line__site__portfolio=portfolio,
        line__site__code="site-a",
        code="A01-001",
        tier=1,
        machine_group=2,
        foundation="rigid",
    )
    pump = AssetFactory(line=motor.line, code="A01-002", tier=2, asset_class="pump")
    sensors = {
        "vib": SensorFactory(asset=motor, code="vib", metric="vibration_velocity_rms"),
        "temp": SensorFactory(asset=motor, code="temp", metric="temperature"),
        "silent": SensorFactory(asset=pump, code="vib", metric="vibration_velocity_rms"),
    }
    lines = ["sensor_id,measured_at,value"]
    for hour in range(24, 0, -1):
        at = (START - dt.timedelta(hours=hour)).isoformat()
        lines += [f"{sensors['vib'].pk},{at},{1.0 + 0.05 * (hour % 3)}"]
        lines += [f"{sensors['temp'].pk},{at},{50 + hour % 2}"]
    silent_at = (START - dt.timedelta(days=3)).isoformat()
    lines += [f"{sensors['silent'].pk},{silent_at},1.2"]
    path = tmp_path / "day.csv"
    path.write_text("\n".join(lines) + "\n")
    assert batch_ingest_file(path=path, kind="readings").rows_inserted == 49
    return motor, sensors


def test_the_feeder_plans_the_reporting_sensors_and_one_to_degrade(demo_site):
    motor, sensors = demo_site
    plan = feeder.plan_feed(START)
    assert sorted(plan.sensor_ids.tolist()) == sorted([sensors["vib"].pk, sensors["temp"].pk])
    assert plan.degrading_sensor == sensors["vib"].pk
    # Past zone D (group 2, rigid: C/D at 4.5 mm/s), where it settles.
    assert plan.degrade_to == pytest.approx(4.5 * feeder.DEGRADE_PAST_ZONE_D)
    assert plan.levels[plan.sensor_ids.tolist().index(sensors["temp"].pk)] == pytest.approx(
        (51 + 50 + 51) / 3  # the level of its last three hours
    )


def test_an_hour_of_ticks_appends_every_minute_and_opens_an_alert(demo_site, monkeypatch):
    motor, sensors = demo_site
    asked = []
    monkeypatch.setattr(feeder, "schedule_site_recompute", lambda ids: asked.append(ids) or ids)
    plan = feeder.plan_feed(START)
    opened_at = None
    for minute in range(1, 61):
        result = feeder.tick(plan, START + dt.timedelta(minutes=minute))
        # The first tick fills the hour since the last hourly reading; then one a minute
        # for each reporting sensor.
        assert result["readings"] == (2 * 61 if minute == 1 else 2)
        if result["alerts_opened"] and opened_at is None:
            opened_at = minute
    fed = Reading.objects.filter(measured_at__gt=START)
    assert fed.filter(sensor=sensors["vib"]).count() == 60
    assert fed.filter(sensor=sensors["temp"]).count() == 60
    assert not fed.filter(sensor=sensors["silent"]).exists()  # a silent sensor stays so
    alert = Alert.objects.get(asset=motor, metric="vibration_velocity_rms")
    assert opened_at is not None and opened_at <= 60
    assert alert.status == "open" and alert.worst_zone in ("C", "D")
    last = fed.filter(sensor=sensors["vib"]).latest("measured_at")
    assert last.value == pytest.approx(plan.degrade_to, rel=1e-3)  # settled past zone D
    assert asked == [[motor.site_id]] * 4  # at :15, :30, :45 and :00


def test_a_tick_catches_up_at_most_a_day_and_never_writes_twice(demo_site):
    _, sensors = demo_site
    plan = feeder.plan_feed(START)
    later = START + dt.timedelta(hours=3)
    assert feeder.feed(plan, later) == 2 * 4 * 60  # the 4 hours since its last reading
    much_later = START + dt.timedelta(days=3)
    assert feeder.feed(plan, much_later) == 2 * 24 * 60  # a day back at most
    assert feeder.feed(plan, much_later) == 0  # the same minute again: nothing new


def test_the_beat_task_keeps_one_plan(demo_site, monkeypatch, settings):
    """Under Celery beat each minute is a new task: the plan made at the first keeps the
    same sensor degrading after its alert opens (a new plan would pick another)."""
    from django.core.cache import cache

    from demo import tasks

    motor, sensors = demo_site
    monkeypatch.setattr(feeder, "schedule_site_recompute", lambda ids: ids)
    cache.delete(tasks.plan_key())
    try:
        for minute in range(0, 61, 5):
            with freeze_time(START + dt.timedelta(minutes=minute)):
                tasks.feed_demo()
        assert Alert.objects.filter(asset=motor, status="open").exists()
        assert cache.get(tasks.plan_key()).degrading_sensor == sensors["vib"].pk
    finally:
        cache.delete(tasks.plan_key())


def test_a_worked_alert_stays_worked(demo_site, monkeypatch):
    """The technician closes the degrading asset's alert (repaired in a window): its
    sensors read healthy again, so the next minutes open no new alert on the same fault."""
    from reliability.services import alert_close

    motor, sensors = demo_site
    monkeypatch.setattr(feeder, "schedule_site_recompute", lambda ids: ids)
    plan = feeder.plan_feed(START)
    for minute in range(1, 61):
        feeder.tick(plan, START + dt.timedelta(minutes=minute))
    alert = Alert.objects.get(asset=motor, metric="vibration_velocity_rms", status="open")
    root = UserFactory(is_superuser=True)
    with freeze_time(START + dt.timedelta(minutes=61)):
        alert_close(alert=alert, user=root, resolution="confirmed_fault")
    for minute in range(62, 185):
        feeder.tick(plan, START + dt.timedelta(minutes=minute))
    assert not Alert.objects.filter(asset=motor, status__in=["open", "acknowledged"]).exists()
    last = Reading.objects.filter(sensor=sensors["vib"]).latest("measured_at")
    assert last.value < 2.8  # back under zone C (group 2, rigid: B/C at 2.8 mm/s)
