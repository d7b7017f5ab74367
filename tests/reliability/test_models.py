"""Database constraints of assets, sensors, readings, work, failures, alerts and people."""

import datetime as dt
import importlib
import zoneinfo
from decimal import Decimal

import pytest

from reliability.models import (
    Alert,
    FailureEvent,
    FailureMechanism,
    FailureMode,
    Reading,
)
from tests.db import assert_accepted, assert_refused, query
from tests.factories import (
    AlertFactory,
    AssetFactory,
    CertificationFactory,
    ChangeoverWindowFactory,
    FailureEventFactory,
    LineFactory,
    PreventedFailureFactory,
    ProductionRecordFactory,
    ReadingFactory,
    SensorFactory,
    SiteFactory,
    WorkOrderFactory,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC
DETROIT = zoneinfo.ZoneInfo("America/Detroit")
T0 = dt.datetime(2026, 3, 2, 8, tzinfo=UTC)
HOUR = dt.timedelta(hours=1)


# --- Natural keys ---------------------------------------------------------------------


def test_asset_code_is_unique_per_site():
    """An asset tag repeats across sites but not within one."""
    asset = AssetFactory(code="P-100")
    assert_refused(
        "asset_unique_code_per_site",
        lambda: AssetFactory(line=LineFactory(site=asset.site), code="P-100"),
    )
    assert_accepted(lambda: AssetFactory(code="P-100"))


def test_sensor_code_is_unique_per_asset():
    """A sensor code repeats across assets but not on one asset."""
    sensor = SensorFactory(code="de-h")
    assert_refused(
        "sensor_unique_code_per_asset", lambda: SensorFactory(asset=sensor.asset, code="de-h")
    )
    SensorFactory(code="de-h")


@pytest.mark.parametrize("how", ["create", "bulk_create"])
def test_reading_is_unique_per_sensor_and_instant(how):
    """A re-sent reading (same sensor and instant) is refused; neighbours are accepted."""
    sensor = SensorFactory()
    ReadingFactory(sensor=sensor, measured_at=T0, value=2.5)

    if how == "create":
        assert_refused(
            "reliability_reading_pkey",
            lambda: Reading.objects.create(sensor=sensor, measured_at=T0, value=3.0),
        )
    else:
        assert_refused(
            "reliability_reading_pkey",
            lambda: Reading.objects.bulk_create(
                [
                    Reading(sensor=sensor, measured_at=T0 + HOUR, value=3.0),
                    Reading(sensor=sensor, measured_at=T0, value=3.0),
                ]
            ),
        )
    assert Reading.objects.filter(sensor=sensor).count() == 1

    Reading.objects.bulk_create(
        [
            Reading(sensor=sensor, measured_at=T0 + dt.timedelta(seconds=1), value=2.6),
            Reading(sensor=SensorFactory(asset=sensor.asset), measured_at=T0, value=2.5),
        ]
    )
    assert Reading.objects.filter(measured_at=T0).count() == 2


def test_work_order_is_unique_per_site():
    """A CMMS number repeats across sites but not within one."""
    work_order = WorkOrderFactory(external_id="WO-1")
    other_asset = AssetFactory(line=LineFactory(site=work_order.site))
    assert_refused(
        "workorder_unique_per_site",
        lambda: WorkOrderFactory(asset=other_asset, external_id="WO-1"),
    )
    assert_accepted(lambda: WorkOrderFactory(external_id="WO-1"))


def test_failure_event_is_unique_per_asset_and_start():
    """An asset cannot fail twice at the same instant; another asset can."""
    event = FailureEventFactory(started_at=T0)
    assert_refused(
        "failure_unique_asset_start",
        lambda: FailureEventFactory(asset=event.asset, started_at=T0),
    )
    FailureEventFactory(started_at=T0)


def test_changeover_window_is_unique_per_line_and_start():
    """Two windows of one line cannot start at the same instant."""
    window = ChangeoverWindowFactory(starts_at=T0)
    assert_refused(
        "window_unique_line_start",
        lambda: ChangeoverWindowFactory(line=window.line, starts_at=T0),
    )
    ChangeoverWindowFactory(starts_at=T0)


def test_production_record_is_unique_per_line_date_and_shift():
    """One record per line, date and shift; another shift the same day is fine."""
    record = ProductionRecordFactory(shift="day")
    assert_refused(
        "production_unique_line_shift",
        lambda: ProductionRecordFactory(
            line=record.line, production_date=record.production_date, shift="day"
        ),
    )
    ProductionRecordFactory(line=record.line, production_date=record.production_date, shift="night")


@pytest.mark.parametrize("status", ["open", "acknowledged", "work_order"])
def test_one_open_alert_per_asset_and_metric(status):
    """A second unclosed alert is refused until the first is closed with a resolution."""
    first = AlertFactory(status=status)
    assert_refused("alert_one_open_per_asset_metric", lambda: AlertFactory(asset=first.asset))
    AlertFactory(asset=first.asset, metric="temperature")

    first.status = "closed"
    first.closed_at = first.detected_at + 5 * HOUR
    first.resolution = "confirmed_fault"
    first.save()
    AlertFactory(asset=first.asset)
    assert Alert.objects.filter(asset=first.asset, metric=first.metric).count() == 2


# --- Ranges ---------------------------------------------------------------------------


@pytest.mark.parametrize("tier", [0, 4])
def test_asset_tier_outside_1_to_3_is_refused(tier):
    """Criticality tiers other than 1, 2 and 3 are refused."""
    assert_refused("asset_tier_1_3", lambda: AssetFactory(tier=tier))


@pytest.mark.parametrize("tier", [1, 2, 3])
def test_asset_tier_1_to_3_is_accepted(tier):
    """Tiers 1, 2 and 3 are accepted."""
    assert assert_accepted(lambda: AssetFactory(tier=tier)).tier == tier


def test_negative_replacement_value_is_refused():
    """An asset cannot be worth less than nothing."""
    assert_refused(
        "asset_replacement_value_non_negative",
        lambda: AssetFactory(replacement_value=Decimal("-0.01")),
    )
    AssetFactory(replacement_value=Decimal("0"))


def test_negative_labour_hours_are_refused():
    """Hours are never negative; a credit is money, not time."""
    assert_refused(
        "workorder_hours_non_negative", lambda: WorkOrderFactory(labour_hours=Decimal("-1"))
    )
    WorkOrderFactory(labour_hours=Decimal("0"))


@pytest.mark.parametrize("field", ["parts_cost", "labour_cost"])
def test_a_credit_work_order_is_accepted(field):
    """Credit notes and reversals: money may be negative."""
    order = WorkOrderFactory(**{field: Decimal("-125.50")})
    order.refresh_from_db()
    assert getattr(order, field) == Decimal("-125.50")


# --- Time order -----------------------------------------------------------------------


@pytest.mark.parametrize("ends_at", [T0, T0 - HOUR], ids=["equal", "before"])
def test_changeover_window_must_end_after_it_starts(ends_at):
    """A window ending at or before its start is refused."""
    assert_refused(
        "window_end_after_start", lambda: ChangeoverWindowFactory(starts_at=T0, ends_at=ends_at)
    )


def test_failure_event_must_not_end_before_it_starts():
    """A failure ending before its start is refused."""
    assert_refused(
        "failure_end_not_before_start",
        lambda: FailureEventFactory(started_at=T0, ended_at=T0 - HOUR),
    )


def test_failure_event_of_zero_duration_is_accepted():
    """A stop logged with its end equal to its start is a real event of 0 h."""
    assert FailureEventFactory(started_at=T0, ended_at=T0).ended_at == T0


def test_failure_event_without_an_end_is_accepted_open_or_not():
    """No end: an unknown duration, or (explicitly open) still down."""
    assert FailureEventFactory(started_at=T0, ended_at=None).is_open is False
    assert FailureEventFactory(started_at=T0 + HOUR, ended_at=None, is_open=True).is_open


def test_an_open_failure_has_no_end():
    """Open means down now: an end time contradicts it."""
    assert_refused(
        "failure_open_has_no_end",
        lambda: FailureEventFactory(started_at=T0, ended_at=T0 + HOUR, is_open=True),
    )


@pytest.mark.parametrize(
    ("constraint", "times"),
    [
        pytest.param(
            "workorder_completed_after_start",
            {"started_at": T0 + HOUR, "completed_at": T0 + HOUR / 2},
            id="completed-before-started",
        ),
        pytest.param(
            "workorder_completed_after_start",
            {"started_at": None, "completed_at": T0 - HOUR},
            id="completed-before-opened",
        ),
        pytest.param(
            "workorder_started_after_opened",
            {"started_at": T0 - HOUR, "completed_at": T0 + HOUR},
            id="started-before-opened",
        ),
    ],
)
def test_work_order_times_out_of_order_are_refused(constraint, times):
    """Work cannot start before it is opened nor complete before it starts."""
    assert_refused(constraint, lambda: WorkOrderFactory(opened_at=T0, **times))


def test_work_order_times_in_order_are_accepted():
    """Opened, started and completed at the same instant or later is accepted."""
    WorkOrderFactory(opened_at=T0, started_at=T0, completed_at=T0)
    WorkOrderFactory(opened_at=T0, started_at=None, completed_at=None)


def test_prevented_failure_confirmed_before_detected_is_refused():
    """A save cannot be confirmed before the fault was detected."""
    assert_refused(
        "prevented_confirmed_after_detected",
        lambda: PreventedFailureFactory(detected_at=T0, confirmed_at=T0 - HOUR),
    )
    assert_accepted(lambda: PreventedFailureFactory(detected_at=T0, confirmed_at=T0))


def test_earned_certification_without_date_is_refused():
    """An earned certification needs the date it was earned; a planned one does not."""
    assert_refused(
        "certification_earned_has_date",
        lambda: CertificationFactory(status="earned", earned_on=None, expires_on=None),
    )
    CertificationFactory(status="planned", earned_on=None, expires_on=None)


def test_alert_acknowledged_before_detection_is_refused():
    """An alert cannot be acknowledged before it was detected."""
    assert_refused(
        "alert_ack_after_detection",
        lambda: AlertFactory(detected_at=T0, acknowledged_at=T0 - dt.timedelta(minutes=1)),
    )
    AlertFactory(detected_at=T0, acknowledged_at=T0, status="acknowledged")


@pytest.mark.parametrize(
    "closing",
    [
        pytest.param({"closed_at": T0 + HOUR, "resolution": ""}, id="no-resolution"),
        pytest.param({"closed_at": None, "resolution": "false_alarm"}, id="no-closed-at"),
    ],
)
def test_closed_alert_without_resolution_or_time_is_refused(closing):
    """A closed alert needs both when it was closed and how it was resolved."""
    assert_refused(
        "alert_closed_iff_resolved",
        lambda: AlertFactory(detected_at=T0, status="closed", **closing),
    )


@pytest.mark.parametrize(
    "closing",
    [
        pytest.param({"closed_at": T0 + HOUR}, id="closed-at"),
        pytest.param({"resolution": "false_alarm"}, id="resolution"),
    ],
)
def test_open_alert_with_closing_fields_is_refused(closing):
    """An alert that is not closed carries neither a closing time nor a resolution."""
    assert_refused(
        "alert_closed_iff_resolved",
        lambda: AlertFactory(detected_at=T0, status="acknowledged", acknowledged_at=T0, **closing),
    )


# --- Readings -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_reading_is_refused(value):
    """NaN and ±infinity are refused by the finite-value check."""
    assert_refused("reading_value_finite", lambda: ReadingFactory(value=value))


def test_finite_reading_is_accepted():
    """A finite value is stored and read back (exactly, for a value real holds exactly)."""
    reading = ReadingFactory(measured_at=T0, value=7.125)
    stored = Reading.objects.get(sensor=reading.sensor, measured_at=T0)
    assert stored.value == 7.125


def test_reading_value_column_is_real():
    """The value column is a 4-byte PostgreSQL real."""
    rows = query(
        "SELECT data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s",
        ["reliability_reading", "value"],
    )
    assert rows == [("real",)]


def test_reading_has_composite_primary_key_and_no_surrogate_id():
    """The primary key is (sensor_id, measured_at), in that order, and there is no id column."""
    key = query(
        "SELECT a.attname FROM pg_constraint c "
        "CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, position) "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
        "WHERE c.conrelid = 'reliability_reading'::regclass AND c.contype = 'p' "
        "ORDER BY k.position"
    )
    assert [name for (name,) in key] == ["sensor_id", "measured_at"]

    columns = query(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = 'reliability_reading'"
    )
    assert {name for (name,) in columns} == {"sensor_id", "measured_at", "value"}


def test_reading_has_brin_index_on_measured_at():
    """measured_at carries a BRIN index."""
    rows = query(
        "SELECT indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() AND tablename = 'reliability_reading'"
    )
    assert any("USING brin (measured_at)" in indexdef for (indexdef,) in rows)


# --- Datetimes ------------------------------------------------------------------------


def test_naive_datetime_warns():
    """Saving a naive started_at makes Django warn (USE_TZ=True)."""
    with pytest.warns(RuntimeWarning, match=r"FailureEvent\.started_at received a naive"):
        FailureEventFactory(started_at=dt.datetime(2026, 2, 10, 8), ended_at=None)


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize(
    ("local", "utc"),
    [
        pytest.param(
            dt.datetime(2026, 1, 15, 8, tzinfo=DETROIT),
            dt.datetime(2026, 1, 15, 13, tzinfo=UTC),
            id="EST",
        ),
        pytest.param(
            dt.datetime(2026, 7, 15, 8, tzinfo=DETROIT),
            dt.datetime(2026, 7, 15, 12, tzinfo=UTC),
            id="EDT",
        ),
    ],
)
def test_aware_datetime_round_trips_as_the_same_instant_in_utc(local, utc):
    """A Detroit time is read back as the same instant, in UTC."""
    event = FailureEventFactory(started_at=local, ended_at=None)
    stored = FailureEvent.objects.get(pk=event.pk).started_at
    assert stored == local
    assert stored == utc
    assert stored.utcoffset() == dt.timedelta(0)


# --- Site consistency (composite foreign keys, deferred) ------------------------------


def test_asset_on_a_line_of_another_site_is_refused():
    """An asset's line must belong to the asset's site."""
    line = LineFactory()
    other_site = SiteFactory()
    assert_refused("asset_line_same_site_fk", lambda: AssetFactory(line=line, site=other_site))
    assert_accepted(lambda: AssetFactory(line=line, site=line.site))


def test_work_order_on_an_asset_of_another_site_is_refused():
    """A work order's asset must belong to the work order's site."""
    asset = AssetFactory()
    other_site = SiteFactory()
    assert_refused(
        "workorder_asset_same_site_fk", lambda: WorkOrderFactory(asset=asset, site=other_site)
    )
    assert_accepted(lambda: WorkOrderFactory(asset=asset, site=asset.site))


def test_prevented_failure_on_an_asset_of_another_site_is_refused():
    """A prevented failure's asset must belong to its site."""
    asset = AssetFactory()
    other_site = SiteFactory()
    assert_refused(
        "prevented_asset_same_site_fk",
        lambda: PreventedFailureFactory(asset=asset, site=other_site),
    )
    assert_accepted(lambda: PreventedFailureFactory(asset=asset, site=asset.site))


# --- Failure mode catalogue -----------------------------------------------------------


def test_data_migration_created_the_failure_mode_catalogue():
    """The catalogue exists, uses ISO 14224 mechanism codes and mixes detectable modes."""
    migration = importlib.import_module(
        "reliability.migrations.0002_site_consistency_and_failure_modes"
    )
    modes = {mode.code: mode for mode in FailureMode.objects.all()}

    assert {row[0] for row in migration.FAILURE_MODES} <= set(modes)
    assert all(mode.mechanism in FailureMechanism.values for mode in modes.values())
    detectable = {mode.detectable_by_condition_monitoring for mode in modes.values()}
    assert detectable == {True, False}
    assert modes["bearing-wear"].mechanism == FailureMechanism.WEAR
    assert modes["bearing-wear"].detectable_by_condition_monitoring


# --- Other checks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param((0.0, 4.5, 7.1), id="ab-zero"),
        pytest.param((4.5, 2.8, 7.1), id="bc-below-ab"),
        pytest.param((2.8, 4.5, 4.5), id="cd-equal-bc"),
    ],
)
def test_zone_overrides_out_of_order_are_refused(overrides):
    """Overridden zone boundaries must be positive and strictly increasing A/B < B/C < C/D."""
    ab, bc, cd = overrides
    assert_refused(
        "asset_zone_overrides_ordered",
        lambda: AssetFactory(zone_ab_override=ab, zone_bc_override=bc, zone_cd_override=cd),
    )
    AssetFactory(zone_ab_override=2.8, zone_bc_override=4.5, zone_cd_override=7.1)


@pytest.mark.parametrize(
    ("constraint", "values"),
    [
        pytest.param(
            "production_run_le_planned",
            {"planned_production_minutes": 400, "run_minutes": 401},
            id="run>planned",
        ),
        pytest.param(
            "production_good_le_total", {"total_count": 100, "good_count": 101}, id="good>total"
        ),
        pytest.param(
            "production_ideal_cycle_positive", {"ideal_cycle_time_seconds": 0}, id="cycle-zero"
        ),
    ],
)
def test_production_record_inconsistent_counts_are_refused(constraint, values):
    """Run time fits in planned time, good parts in total parts, and the cycle is positive."""
    assert_refused(constraint, lambda: ProductionRecordFactory(**values))


def test_alert_negative_time_to_failure_is_refused():
    """An estimated time to failure cannot be negative; zero is accepted."""
    assert_refused("alert_ttf_non_negative", lambda: AlertFactory(estimated_hours_to_failure=-1.0))
    AlertFactory(estimated_hours_to_failure=0.0)


@pytest.mark.parametrize(
    ("constraint", "values"),
    [
        pytest.param(
            "certification_expires_after_earned",
            {"earned_on": dt.date(2026, 1, 1), "expires_on": dt.date(2026, 1, 1)},
            id="expires-on-earned-day",
        ),
        pytest.param(
            "certification_other_is_named", {"kind": "other", "name": ""}, id="other-unnamed"
        ),
    ],
)
def test_certification_inconsistent_values_are_refused(constraint, values):
    """A certification expires after it is earned, and kind 'other' carries a name."""
    assert_refused(constraint, lambda: CertificationFactory(**values))


def test_certification_is_unique_per_holder_kind_and_name():
    """A person holds a certification once; another named 'other' one is fine."""
    certification = CertificationFactory(kind="cmrp")
    assert_refused(
        "certification_unique",
        lambda: CertificationFactory(holder=certification.holder, kind="cmrp"),
    )
    CertificationFactory(holder=certification.holder, kind="other", name="Thermography L1")
    CertificationFactory(holder=certification.holder, kind="other", name="Ultrasound L1")


@pytest.mark.parametrize(
    "field", ["parts_cost", "labour_hours", "protected_window_hours", "estimated_value"]
)
def test_prevented_failure_negative_amount_is_refused(field):
    """Costs, hours and the estimated value of a save are never negative."""
    assert_refused(
        "prevented_amounts_non_negative",
        lambda: PreventedFailureFactory(**{field: Decimal("-1")}),
    )


def test_prevented_failure_is_unique_per_technician_asset_and_detection():
    """The same technician cannot record the same finding twice."""
    saved = PreventedFailureFactory(detected_at=T0)
    assert_refused(
        "prevented_unique_finding",
        lambda: PreventedFailureFactory(
            technician=saved.technician, asset=saved.asset, detected_at=T0
        ),
    )
    assert_accepted(lambda: PreventedFailureFactory(asset=saved.asset, detected_at=T0))
