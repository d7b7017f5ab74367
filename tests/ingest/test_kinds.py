"""Every kind loads a small canonical file; every shipped mapping loads a foreign sample."""

import datetime as dt
from decimal import Decimal

import pytest

from ingest.models import Status
from oem.models import OEMCustomer, OEMRelationship, PenaltyRecord, ScorecardResult
from portfolio.models import Line, Site
from reliability.models import (
    Asset,
    Certification,
    ChangeoverWindow,
    FailureEvent,
    ProductionRecord,
    Reading,
    Sensor,
    WorkOrder,
)

UTC = dt.UTC


def done(batch, inserted, updated=0, duplicate=0, rejected=0):
    summary = (
        batch.status,
        batch.rows_inserted,
        batch.rows_updated,
        batch.rows_duplicate,
        batch.rows_rejected,
    )
    rows = list(batch.rejected_rows.values_list("line", "field", "reason"))
    assert summary == (Status.DONE, inserted, updated, duplicate, rejected), (batch.error, rows)


@pytest.fixture
def plant(world, load):
    """Site A built up through ingest: a line, two assets, sensors, a customer."""
    done(load("lines", "site,code,name,jit_linked\nsite-a,l1,Line 1,yes\n"), 1)
    done(
        load(
            "assets",
            "site,line,code,name,asset_class,tier,machine_group,replacement_value\n"
            "site-a,l1,P-1,Press 1,press,1,2,250000\n"
            "site-a,l1,F-1,Fan 1,fan,2,,\n",
        ),
        2,
    )
    done(
        load(
            "sensors",
            "site,asset,code,metric\n"
            "site-a,P-1,vib,vibration_velocity_rms\n"
            "site-a,P-1,temp,temperature\n"
            "site-a,F-1,amps,current\n",
        ),
        3,
    )
    done(load("oem_customers", "code,name\nford,Ford\n"), 1)
    return world


def test_structure_kinds_build_a_site(plant):
    line = Line.objects.get(site__code="site-a", code="l1")
    assert line.jit_linked is True
    press = Asset.objects.get(site__code="site-a", code="P-1")
    assert (press.line, press.tier, press.machine_group, press.replacement_value) == (
        line,
        1,
        2,
        Decimal("250000.00"),
    )
    assert Asset.objects.get(code="F-1").machine_group is None
    assert set(Sensor.objects.filter(asset=press).values_list("code", "metric")) == {
        ("vib", "vibration_velocity_rms"),
        ("temp", "temperature"),
    }
    assert OEMCustomer.objects.filter(code="ford").exists()


def test_sites_kind_creates_a_site(world, load):
    done(
        load(
            "sites",
            "portfolio,code,name,timezone,annual_revenue,production_value_per_hour\n"
            "p,site-z,Site Z,Europe/Berlin,5000000,12000\n",
        ),
        1,
    )
    assert Site.objects.get(code="site-z").timezone == "Europe/Berlin"


def test_readings_canonical(plant, load):
    vib = Sensor.objects.get(code="vib")
    done(
        load(
            "readings",
            f"sensor_id,measured_at,value\n{vib.pk},2026-11-01T00:00:00Z,2.5\n"
            f"{vib.pk},2026-11-01T02:00:00+01:00,2.75\n",
        ),
        2,
    )
    assert sorted(Reading.objects.filter(sensor=vib).values_list("measured_at", "value")) == [
        (dt.datetime(2026, 11, 1, 0, 0, tzinfo=UTC), 2.5),
        (dt.datetime(2026, 11, 1, 1, 0, tzinfo=UTC), 2.75),
    ]


def test_every_other_kind_loads_its_canonical_file(plant, load):
    done(
        load(
            "changeover_windows",
            "site,line,starts_at,ends_at,available_minutes,maintenance_minutes_scheduled\n"
            "site-a,l1,2026-11-07T06:00:00Z,2026-11-07T14:00:00Z,480,300\n",
        ),
        1,
    )
    done(
        load(
            "work_orders",
            "site,asset,external_id,kind,opened_at,completed_at,downtime_minutes,parts_cost,"
            "failure_mode,changeover_window_start\n"
            "site-a,P-1,WO-1,corrective,2026-11-02T08:00:00Z,2026-11-02T10:00:00Z,120,99.5,"
            "bearing-wear,\n"
            "site-a,P-1,WO-2,preventive,2026-11-05T08:00:00Z,,0,0,,2026-11-07T06:00:00Z\n",
        ),
        2,
    )
    done(
        load(
            "failure_events",
            "site,asset,started_at,ended_at,failure_mode,production_lost_units,work_order\n"
            "site-a,P-1,2026-11-02T07:30:00Z,2026-11-02T10:00:00Z,bearing-wear,400,WO-1\n",
        ),
        1,
    )
    done(
        load(
            "production_records",
            "site,line,production_date,shift,planned_production_minutes,run_minutes,"
            "ideal_cycle_time_seconds,total_count,good_count\n"
            "site-a,l1,2026-11-02,day,480,420,30,800,780\n",
        ),
        1,
    )
    done(
        load(
            "oem_relationships",
            "site,customer,annual_revenue,status,sdp_threshold_score\n"
            "site-a,ford,12000000,approved,70\n",
        ),
        1,
    )
    done(load("scorecards", "site,customer,year,quarter,score\nsite-a,ford,2026,3,82.5\n"), 1)
    done(
        load(
            "penalties",
            "site,customer,invoice_reference,incurred_on,amount,reason,asset,occurred_at\n"
            "site-a,ford,INV-7,2026-11-03,15000,Late delivery,P-1,2026-11-02T08:00:00Z\n",
        ),
        1,
    )
    done(
        load("certifications", "holder,kind,status,earned_on\ntech_a,va_cat_2,earned,2026-06-01\n"),
        1,
    )

    wo1, wo2 = WorkOrder.objects.get(external_id="WO-1"), WorkOrder.objects.get(external_id="WO-2")
    assert (wo1.downtime_minutes, wo1.parts_cost, wo1.failure_mode.code) == (
        120,
        Decimal("99.50"),
        "bearing-wear",
    )
    assert wo2.changeover_window == ChangeoverWindow.objects.get()
    event = FailureEvent.objects.get()
    assert (event.work_order, event.production_lost_units) == (wo1, 400)
    record = ProductionRecord.objects.get()
    assert (record.run_minutes, record.good_count) == (420, 780)
    relationship = OEMRelationship.objects.get()
    assert relationship.sdp_threshold_score == Decimal("70")
    assert ScorecardResult.objects.get().score == Decimal("82.50")
    penalty = PenaltyRecord.objects.get()
    assert (penalty.failure_event, penalty.asset.code) == (event, "P-1")
    assert Certification.objects.get().holder.username == "tech_a"


def test_work_order_resent_with_completion_is_updated(plant, load):
    header = "site,asset,external_id,kind,opened_at,completed_at\n"
    done(load("work_orders", header + "site-a,P-1,WO-5,corrective,2026-11-02T08:00:00Z,\n"), 1)
    done(
        load(
            "work_orders",
            header + "site-a,P-1,WO-5,corrective,2026-11-02T08:00:00Z,2026-11-02T11:00:00Z\n",
        ),
        0,
        updated=1,
    )
    done(
        load(
            "work_orders",
            header + "site-a,P-1,WO-5,corrective,2026-11-02T08:00:00Z,2026-11-02T11:00:00Z\n",
        ),
        0,
        duplicate=1,
    )
    assert WorkOrder.objects.get(external_id="WO-5").completed_at == dt.datetime(
        2026, 11, 2, 11, tzinfo=UTC
    )


def test_update_leaves_columns_the_file_lacks_alone(plant, load):
    done(
        load(
            "work_orders",
            "site,asset,external_id,kind,opened_at,parts_cost\n"
            "site-a,P-1,WO-6,corrective,2026-11-02T08:00:00Z,50\n",
        ),
        1,
    )
    done(
        load(
            "work_orders",
            "site,asset,external_id,kind,opened_at,downtime_minutes\n"
            "site-a,P-1,WO-6,corrective,2026-11-02T08:00:00Z,30\n",
        ),
        0,
        updated=1,
    )
    order = WorkOrder.objects.get(external_id="WO-6")
    assert (order.parts_cost, order.downtime_minutes) == (Decimal("50.00"), 30)


# --- Shipped mappings -----------------------------------------------------------------


def test_historian_long_mapping(plant, load):
    """Asset, local timestamp (site timezone, America/Detroit), metric alias, value."""
    batch = load(
        "readings",
        "asset,timestamp,metric,value\n"
        "P-1,2026-10-30 08:00:00,vibration,3.1\n"
        "P-1,2026-10-30 08:00:00,temp,61.5\n",
        mapping="historian-long",
        site=Site.objects.get(code="site-a"),
    )
    done(batch, 2)
    vib = Reading.objects.get(sensor__code="vib")
    assert vib.measured_at == dt.datetime(2026, 10, 30, 12, tzinfo=UTC)  # EDT is UTC-4
    assert vib.value == pytest.approx(3.1)


def test_historian_wide_mapping(plant, load):
    """One reading per non-empty metric cell; empty cells are no reading."""
    batch = load(
        "readings",
        "timestamp,asset,vibration_velocity_rms,temperature,current\n"
        "2026-11-01T08:00:00Z,P-1,3.0,60,\n"
        "2026-11-01T08:00:00Z,F-1,,,12.5\n",
        mapping="historian-wide",
        site=Site.objects.get(code="site-a"),
    )
    done(batch, 3)
    assert Reading.objects.get(sensor__code="amps").value == 12.5


def test_historian_wide_imperial_mapping_converts_units(plant, load):
    batch = load(
        "readings",
        "Timestamp,Asset,Vibration (in/s),Temperature (F),Current (A)\n"
        "11/01/2026 08:00:00,P-1,0.1,212,\n",
        mapping="historian-wide-imperial",
        site=Site.objects.get(code="site-a"),
    )
    done(batch, 2)
    assert Reading.objects.get(sensor__code="vib").value == pytest.approx(2.54)
    assert Reading.objects.get(sensor__code="temp").value == pytest.approx(100.0)


CMMS = (
    "Site,WO Number,Asset Tag,Type,Description,Reported,Started,Finished,Downtime (h),"
    "Parts Cost,Labor Hours,Labor Cost,Failure Code\n"
    'site-a,9001,P-1,CM,"Bearing noise\nreplaced DE bearing",11/02/2026 08:00,11/02/2026 09:00,'
    "11/02/2026 12:30,3.5,420.50,4,300,bearing-wear\n"
    "site-a,9002,NEW-7,PM,Lube,11/03/2026 08:00,,,0,0,1,80,\n"
)


def test_cmms_mapping_with_local_times_type_codes_and_hours(plant, load):
    batch = load("work_orders", CMMS, mapping="cmms-work-orders")
    done(batch, 1, rejected=1)
    assert list(batch.rejected_rows.values_list("line", "field", "reason")) == [
        (4, "asset", "unknown asset code at this site")
    ]
    order = WorkOrder.objects.get(external_id="9001")
    assert order.kind == "corrective"
    assert order.description == "Bearing noise\nreplaced DE bearing"
    assert order.opened_at == dt.datetime(2026, 11, 2, 13, tzinfo=UTC)  # EST is UTC-5
    assert order.downtime_minutes == 210
    assert order.labour_hours == Decimal("4.00")


def test_cmms_mapping_creates_missing_assets_only_when_asked(plant, load):
    site = Site.objects.get(code="site-a")
    batch = load(
        "work_orders", CMMS, mapping="cmms-work-orders", site=site, create_missing_assets=True
    )
    done(batch, 2)
    assert batch.created_assets == ["site-a/NEW-7"]
    created = Asset.objects.get(code="NEW-7")
    assert (created.tier, created.asset_class, created.line.code) == (3, "other", "unassigned")


def test_cmms_column_names_are_configurable(plant, load):
    text = CMMS.replace("WO Number", "Work Order #")
    batch = load(
        "work_orders", text, mapping="cmms-work-orders", columns={"external_id": "Work Order #"}
    )
    done(batch, 1, rejected=1)
