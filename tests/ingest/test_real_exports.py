"""Files shaped like the public maintenance data sets a new user tries first, end to end.

Each file is generated here in the shape of a real export: a fleet failure log with only
the moment of each failure (no repair time, several components failing at one moment), a
European CMMS work-order export (semicolons, decimal commas, cp1252, no work-order number,
credit notes, identical lines) and a header-less, whitespace-separated condition log. Each
goes through the whole batch (mapping file given by path, as a user brings their own) and
then the site's stored figures are read back and checked against the hand-worked value.
"""

import datetime as dt
import json
import random
from decimal import Decimal

import pytest

from ingest.models import Status
from ingest.services import batch_ingest_file
from reliability.models import Asset, FailureEvent, Reading, Sensor, WorkOrder
from scores.services import site_recompute_scores
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db

YEAR_HOURS = 8760
AS_OF = dt.date(2015, 12, 31)  # the trailing 12 months are exactly calendar 2015 (UTC site)


@pytest.fixture
def site():
    return SiteFactory(code="pdm", timezone="UTC", annual_revenue=Decimal("40000000"))


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def mapping_file(tmp_path, name, definition):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"name": name, **definition}), encoding="utf-8")
    return str(path)


def fleet_failure_log(machines=100, silent=(99, 100), seed=7):
    """``datetime,machineID,failure`` rows over 2015, as a predictive-maintenance telemetry
    set's failure table: the moment only; two components failing at one moment are two rows.
    Returns the text and the number of distinct (machine, moment) events."""
    rng = random.Random(seed)
    lines, events = ["datetime,machineID,failure"], set()
    start = dt.datetime(2015, 1, 1, 6)
    for machine in range(1, machines + 1):
        if machine in silent:
            continue
        for _ in range(rng.randint(1, 8)):
            moment = start + dt.timedelta(hours=rng.randrange(0, 8700))
            components = rng.sample(["comp1", "comp2", "comp3", "comp4"], rng.choice([1, 1, 2]))
            for component in components:
                lines.append(f"{moment:%Y-%m-%d %H:%M:%S},{machine},{component}")
            events.add((machine, moment))
    return "\n".join(lines) + "\n", len(events)


def test_a_failure_log_without_repair_times_gives_the_fleet_mtbf_a_spreadsheet_gives(
    tmp_path, site
):
    """100 machines, one year, failures with no end: fleet MTBF = 100 × 8,760 h ÷ events.

    Before: every failure without an end counted as down until the window's end, so the
    fleet's MTBF came out about ten times too low.
    """
    text, events = fleet_failure_log()
    mapping = mapping_file(
        tmp_path,
        "pdm-failures",
        {
            "kind": "failure_events",
            "columns": {"datetime": "started_at", "machineID": "asset", "failure": "description"},
            "timestamp_format": "%Y-%m-%d %H:%M:%S",
            "timezone": "UTC",
        },
    )
    for machine in range(1, 101):  # the register: every machine, the two silent ones too
        Asset.objects.create(
            site=site,
            line=site.lines.get_or_create(code="l1", defaults={"name": "Line 1"})[0],
            code=str(machine),
            name=f"Machine {machine}",
            asset_class="other",
            tier=2,
        )

    batch = batch_ingest_file(
        path=write(tmp_path, "PdM_failures.csv", text),
        kind="failure_events",
        mapping=mapping,
        site=site,
    )

    assert batch.status == Status.DONE, batch.error
    # Rows of one machine at one moment are one event: the later rows repeat its key.
    assert FailureEvent.objects.filter(asset__site=site).count() == events
    assert not FailureEvent.objects.filter(ended_at__isnull=False).exists()
    mtbf = site_recompute_scores(site_id=site.pk, as_of=AS_OF).details["mtbf"]
    assert mtbf["failures"] == events
    assert mtbf["fleet_hours"] == pytest.approx(100 * YEAR_HOURS / events)
    assert mtbf["fleet_censored"] is False
    assert mtbf["censored_assets"] == 2  # "> 8,760 h": never infinite, never zero


CMMS_HEADER = "Anlage;Datum;Beschreibung;Art;Teile €;Arbeit €;Stunden"


def cmms_export():
    """A European CMMS export: no order number, decimal commas with thousands dots, a credit
    note and an identical line (two real orders: the same job done twice that day)."""
    rows = [
        "P-101;03.02.2015 08:00;Lager gewechselt, Pumpe läuft;KORR;1.234,50;320,00;4,0",
        "P-101;03.02.2015 08:00;Lager gewechselt, Pumpe läuft;KORR;1.234,50;320,00;4,0",
        "P-102;17.05.2015 13:30;Gutschrift Lieferant (Rücksendung);KORR;-250,00;0,00;0",
        "P-102;20.09.2015 07:15;Dichtung ersetzt;NOT;89,90;1.050,00;7,5",
        "P-102;21.09.2015 07:15;Stunden negativ (Tippfehler);KORR;10,00;10,00;-2",
    ]
    return "\n".join([CMMS_HEADER, *rows]) + "\n"


@pytest.fixture
def cmms_mapping(tmp_path):
    return mapping_file(
        tmp_path,
        "de-cmms",
        {
            "kind": "work_orders",
            "delimiter": ";",
            "encoding": "cp1252",
            "decimal": ",",
            "key": "row",
            "columns": {
                "Anlage": "asset",
                "Datum": "opened_at",
                "Beschreibung": "description",
                "Art": "kind",
                "Teile €": "parts_cost",
                "Arbeit €": "labour_cost",
                "Stunden": "labour_hours",
            },
            "constants": {},
            "value_maps": {"kind": {"KORR": "corrective", "NOT": "emergency"}},
            "timestamp_format": "%d.%m.%Y %H:%M",
            "timezone": "site",
        },
    )


def test_a_european_cmms_export_without_numbers_loads_with_credits_and_identical_lines(
    tmp_path, site, cmms_mapping
):
    path = write(tmp_path, "auftraege.csv", cmms_export(), encoding="cp1252")

    first = batch_ingest_file(
        path=path,
        kind="work_orders",
        mapping=cmms_mapping,
        site=site,
        create_missing_assets=True,
    )

    assert first.status == Status.DONE, first.error
    assert (first.rows_inserted, first.rows_rejected) == (4, 1)
    [rejected] = first.rejected_rows.all()
    assert (rejected.line, rejected.field) == (6, "labour_hours")  # only its real fault
    assert rejected.key  # the key built for it, so the user can find the row again
    orders = WorkOrder.objects.filter(site=site)
    assert orders.filter(description="Lager gewechselt, Pumpe läuft").count() == 2
    assert len({order.external_id for order in orders}) == 4
    net = sum(order.parts_cost + order.labour_cost for order in orders)
    assert net == Decimal("1234.50") * 2 + Decimal("320.00") * 2 - 250 + Decimal("1139.90")

    again = batch_ingest_file(
        path=path, kind="work_orders", mapping=cmms_mapping, site=site, create_missing_assets=True
    )
    assert (again.rows_inserted, again.rows_updated, again.rows_duplicate) == (0, 0, 4)
    assert WorkOrder.objects.filter(site=site).count() == 4


def test_a_header_less_whitespace_condition_log_loads(tmp_path, site):
    """A run-to-failure style log: no header, fields separated by runs of spaces."""
    asset = Asset.objects.create(
        site=site,
        line=site.lines.create(code="l1", name="Line 1"),
        code="FAN-7",
        name="Fan 7",
        asset_class="fan",
        tier=1,
    )
    sensor = Sensor.objects.create(asset=asset, code="v1", metric="vibration_velocity_rms")
    mapping = mapping_file(
        tmp_path,
        "runlog",
        {
            "kind": "readings",
            "header": False,
            "delimiter": "whitespace",
            "columns": {"1": "asset", "2": "measured_at", "3": "value"},
            "constants": {"metric": "vibration_velocity_rms"},
            "timezone": "UTC",
        },
    )
    text = "FAN-7   2015-03-01T00:00:00   2.31\nFAN-7\t2015-03-01T00:01:00  2.35\nFAN-7 oops\n"

    batch = batch_ingest_file(
        path=write(tmp_path, "run.txt", text), kind="readings", mapping=mapping, site=site
    )

    assert batch.status == Status.DONE, batch.error
    assert (batch.rows_inserted, batch.rows_rejected) == (2, 1)
    assert batch.rejected_rows.get().line == 3  # no header: the first line is line 1
    assert sorted(Reading.objects.filter(sensor=sensor).values_list("value", flat=True)) == [
        2.31,
        2.35,
    ]
