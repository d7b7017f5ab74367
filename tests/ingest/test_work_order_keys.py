"""Work-order exports as CMMS write them: no number column (a mapping's "key"), identical
lines, credit rows, and rejection reasons that name only what is wrong with a row."""

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pandas as pd
import pytest
from django.core.files import File
from django.test import override_settings

from ingest import services
from ingest.models import IngestBatch, Status
from ingest.services import batch_create, batch_run
from reliability import metrics
from reliability.models import Asset, WorkOrder
from tests.people import client_for

UTC = dt.UTC
# A CMMS export as downloaded: no work-order number, US dates in site time (Detroit),
# type codes, parts and labour money.
EXPORT_HEADER = "Asset,Date,Description,Type,Parts,Labour\n"
EXPORT_MAPPING = {
    "name": "cmms-no-number",
    "kind": "work_orders",
    "columns": {
        "Asset": "asset",
        "Date": "opened_at",
        "Description": "description",
        "Type": "kind",
        "Parts": "parts_cost",
        "Labour": "labour_cost",
    },
    "timestamp_format": "%m/%d/%Y",
    "timezone": "site",
    "value_maps": {"kind": {"CM": "corrective", "PM": "preventive", "EM": "emergency"}},
}
FIELD_KEY = ["asset", "opened_at", "description"]


@pytest.fixture
def mapping_file(tmp_path):
    """A mapping JSON file (``data``, else the export's mapping, with ``changes``), named
    by its path."""
    counter = iter(range(1000))

    def _write(data=None, **changes):
        path = tmp_path / f"mapping-{next(counter)}.json"
        path.write_text(json.dumps({**(data or EXPORT_MAPPING), **changes}))
        return str(path)

    return _write


def summary(batch):
    return (
        batch.status,
        batch.rows_inserted,
        batch.rows_updated,
        batch.rows_duplicate,
        batch.rows_rejected,
    )


def rejections(batch):
    return list(batch.rejected_rows.order_by("line", "id").values_list("line", "field", "reason"))


def row_key(line: str, occurrence: int) -> str:
    return f"row-{hashlib.sha256(line.encode()).hexdigest()[:16]}-{occurrence}"


def keys(site):
    return sorted(WorkOrder.objects.filter(site=site).values_list("external_id", flat=True))


# --- Defect 3: no number column ------------------------------------------------------


def test_an_export_without_a_number_is_refused_without_a_key(world, load, mapping_file):
    text = EXPORT_HEADER + "M-1,11/03/2026,Replace belt,CM,120.50,80\n"
    batch = load("work_orders", text, mapping=mapping_file(), site=world.site_a)
    assert batch.status == Status.FAILED
    assert "Required column missing: 'external_id'" in batch.error


def test_a_field_key_is_built_from_canonical_values(world, load, mapping_file):
    text = (
        EXPORT_HEADER
        + "M-1,11/03/2026,Replace belt,CM,120.50,80\n"
        + "m-1,11/04/2026,Lube | grease,PM,0,40\n"
    )
    batch = load("work_orders", text, mapping=mapping_file(key=FIELD_KEY), site=world.site_a)
    assert summary(batch) == (Status.DONE, 2, 0, 0, 0), (batch.error, rejections(batch))
    # Midnight in Detroit (EST, UTC-5) is 05:00 UTC; codes lower-cased; "|" escaped.
    assert keys(world.site_a) == [
        "m-1|2026-11-03T05:00:00Z|Replace belt",
        "m-1|2026-11-04T05:00:00Z|Lube \\| grease",
    ]
    belt = WorkOrder.objects.get(external_id__endswith="Replace belt")
    assert (belt.kind, belt.parts_cost, belt.labour_cost) == (
        "corrective",
        Decimal("120.50"),
        Decimal("80.00"),
    )
    assert belt.opened_at == dt.datetime(2026, 11, 3, 5, tzinfo=UTC)

    # The same work order in our own layout (ISO, UTC, other number format) has the same
    # key: a duplicate.
    canonical = (
        "asset,kind,opened_at,description,parts_cost,labour_cost\n"
        "M-1,corrective,2026-11-03T05:00:00Z,Replace belt,120.5,80.00\n"
    )
    ours = {"name": "ours-keyed", "kind": "work_orders", "key": FIELD_KEY}
    again = load("work_orders", canonical, mapping=mapping_file(ours), site=world.site_a)
    assert summary(again) == (Status.DONE, 0, 0, 1, 0), (again.error, rejections(again))


def test_a_long_field_key_keeps_a_readable_prefix_and_a_hash(world, load, mapping_file):
    description = ("Replace the drive-end bearing " * 6).strip()
    text = EXPORT_HEADER + f"M-1,11/03/2026,{description},CM,1,1\n"
    batch = load("work_orders", text, mapping=mapping_file(key=FIELD_KEY), site=world.site_a)
    assert summary(batch)[:2] == (Status.DONE, 1)
    full = f"m-1|2026-11-03T05:00:00Z|{description}"
    [stored] = keys(world.site_a)
    assert len(stored) == 120
    assert stored == full[:103] + "~" + hashlib.sha256(full.encode()).hexdigest()[:16]


def test_a_key_with_a_number_column_too_or_an_unknown_field_fails_the_batch(
    world, load, mapping_file
):
    text = "WO,Asset,Date,Description,Type,Parts,Labour\n9,M-1,11/03/2026,Belt,CM,1,1\n"
    columns = {**EXPORT_MAPPING["columns"], "WO": "external_id"}
    both = load(
        "work_orders", text, mapping=mapping_file(key="row", columns=columns), site=world.site_a
    )
    assert both.status == Status.FAILED
    assert "also has a 'WO' column" in both.error

    unknown = load(
        "work_orders",
        EXPORT_HEADER + "M-1,11/03/2026,Belt,CM,1,1\n",
        mapping=mapping_file(key=["asset", "reported"]),
        site=world.site_a,
    )
    assert unknown.status == Status.FAILED
    assert "'reported' is not one of our work_orders fields" in unknown.error
    assert not WorkOrder.objects.exists()


def test_row_keys_keep_identical_lines_apart_and_a_resend_changes_nothing(
    world, load, mapping_file
):
    line = "M-1,11/03/2026,Replace belt,CM,120.50,80"
    other = "M-1,11/03/2026,Replace belt,CM,-120.50,0"  # its credit note
    text = EXPORT_HEADER + "\n".join([line, line, other, line]) + "\n"
    mapping = mapping_file(key="row")
    batch = load("work_orders", text, mapping=mapping, site=world.site_a)
    assert summary(batch) == (Status.DONE, 4, 0, 0, 0), (batch.error, rejections(batch))
    assert keys(world.site_a) == sorted(
        [row_key(line, 1), row_key(line, 2), row_key(line, 3), row_key(other, 1)]
    )
    again = load("work_orders", text, mapping=mapping, site=world.site_a)
    assert summary(again) == (Status.DONE, 0, 0, 4, 0)
    assert WorkOrder.objects.count() == 4


def test_row_key_occurrences_run_across_chunks_and_survive_a_resumed_batch(
    world, tmp_path, mapping_file
):
    """A file of repeated lines read a line or two per chunk; the first run is cut after
    three chunks (as a killed worker leaves it: running, offset committed) and resumed."""
    lines = ["M-1,11/03/2026,Belt,CM,10,5", "M-1,11/03/2026,Lube,PM,0,5"] * 5
    path = tmp_path / "export.csv"
    path.write_text(EXPORT_HEADER + "\n".join(lines) + "\n")
    expected = sorted(row_key(text, n) for text in set(lines) for n in range(1, 6))

    class Killed(BaseException):
        """Not an Exception: nothing in batch_run catches it, as nothing sees a SIGKILL."""

    commit = services._commit_chunk
    calls = []

    def dies_after_three(*args):
        if len(calls) == 3:
            raise Killed
        calls.append(args)
        commit(*args)

    with override_settings(INGEST_RECORD_CHUNK_BYTES=40), path.open("rb") as handle:
        batch = batch_create(
            kind="work_orders",
            upload=File(handle, name="export.csv"),
            file_name="export.csv",
            mapping=mapping_file(key="row"),
            site=world.site_a,
            enqueue=False,
        )
        with pytest.raises(Killed), pytest.MonkeyPatch.context() as patch:
            patch.setattr(services, "_commit_chunk", dies_after_three)
            batch_run(batch_id=batch.pk)
        cut = IngestBatch.objects.get(pk=batch.pk)
        assert cut.status == Status.RUNNING
        assert 0 < cut.rows_read < len(lines)
        finished = batch_run(batch_id=batch.pk)
    assert summary(finished) == (Status.DONE, 10, 0, 0, 0), rejections(finished)
    assert keys(world.site_a) == expected


# --- Defect 4: credit rows -----------------------------------------------------------


def test_credit_rows_load_and_net_the_cost(world, load):
    text = (
        "asset,external_id,kind,opened_at,completed_at,parts_cost,labour_hours,labour_cost\n"
        "M-1,WO-1,corrective,2026-11-03T08:00Z,2026-11-03T10:00Z,500.00,2,150.00\n"
        "M-1,WO-1-CR,corrective,2026-11-05T08:00Z,2026-11-05T08:00Z,-200.00,0,-150.00\n"
        "M-1,WO-2,corrective,2026-11-06T08:00Z,2026-11-06T09:00Z,-50,0,0\n"
    )
    batch = load("work_orders", text, site=world.site_a)
    assert summary(batch) == (Status.DONE, 3, 0, 0, 0), rejections(batch)
    credit = WorkOrder.objects.get(external_id="WO-1-CR")
    assert (credit.parts_cost, credit.labour_cost) == (Decimal("-200.00"), Decimal("-150.00"))
    # Hand-worked: (500 + 150) + (-200 - 150) + (-50 + 0) = 250 over the window.
    frame = pd.DataFrame(WorkOrder.objects.values("completed_at", "parts_cost", "labour_cost"))
    spend = metrics.maintenance_cost(
        frame,
        dt.datetime(2026, 11, 1, tzinfo=UTC),
        dt.datetime(2027, 11, 1, tzinfo=UTC),
        annual_revenue=1000,
        replacement_value=1000,
    )
    assert spend["window_spend"] == 250.0


def test_negative_hours_and_downtime_are_still_refused_naming_the_field(world, load):
    text = (
        "asset,external_id,kind,opened_at,labour_hours,downtime_minutes,parts_cost\n"
        "M-1,WO-1,corrective,2026-11-03T08:00Z,-2,0,-10\n"
        "M-1,WO-2,corrective,2026-11-03T08:00Z,1,-30,-10\n"
        "M-1,WO-3,corrective,2026-11-03T08:00Z,1,30,-10\n"
    )
    batch = load("work_orders", text, site=world.site_a)
    assert summary(batch) == (Status.DONE, 1, 0, 0, 2)
    assert rejections(batch) == [
        (2, "labour_hours", "must not be negative"),
        (3, "downtime_minutes", "must not be negative"),
    ]


# --- Defect 5: a rejected row lists only its real faults -----------------------------


CREATE_HEADER = "asset,external_id,kind,opened_at\n"
KIND_REASON = "must be one of: preventive, predictive, corrective, emergency"


def test_a_bad_row_is_not_blamed_for_an_asset_created_by_the_batch(world, load):
    text = (
        CREATE_HEADER
        + "NEW-1,WO-1,broken,2026-11-03T08:00Z\n"  # bad kind; NEW-1 created by the next row
        + "NEW-1,WO-2,corrective,2026-11-03T09:00Z\n"
        + "NEW-2,WO-3,broken,2026-11-03T10:00Z\n"  # bad kind; NEW-2 made by no row
    )
    batch = load("work_orders", text, site=world.site_a, create_missing_assets=True)
    assert summary(batch) == (Status.DONE, 1, 0, 0, 2)
    assert rejections(batch) == [(2, "kind", KIND_REASON), (4, "kind", KIND_REASON)]
    assert batch.created_assets == ["site-a/NEW-1"]
    assert not Asset.objects.filter(code="NEW-2").exists()


def test_an_asset_created_by_an_earlier_chunk_is_known_to_later_chunks(world, load):
    text = (
        CREATE_HEADER
        + "NEW-1,WO-1,corrective,2026-11-03T08:00Z\n"
        + "NEW-1,WO-2,broken,2026-11-03T09:00Z\n"
        + "NEW-1,WO-3,corrective,2026-11-03T10:00Z,extra\n"
    )
    with override_settings(INGEST_RECORD_CHUNK_BYTES=40):
        batch = load("work_orders", text, site=world.site_a, create_missing_assets=True)
    assert summary(batch) == (Status.DONE, 1, 0, 0, 2)
    assert rejections(batch) == [(3, "kind", KIND_REASON), (4, "", "expected 4 fields, found 5")]


def test_an_unknown_asset_keeps_its_reason_without_creating_missing_assets(world, load):
    text = CREATE_HEADER + "NOPE-1,WO-1,broken,2026-11-03T08:00Z\n"
    batch = load("work_orders", text, site=world.site_a)
    assert [(name, reason) for _, name, reason in rejections(batch)] == [
        ("kind", KIND_REASON),
        ("asset", "unknown asset code at this site"),
    ]


# --- The key shown with rejected rows: page, CSV, API ---------------------------------


def test_the_key_is_shown_on_the_rejected_rows(world, load, mapping_file):
    line = "M-1,11/03/2026,Belt,XX,10,5"
    batch = load(
        "work_orders",
        EXPORT_HEADER + line + "\n",
        mapping=mapping_file(key="row"),
        site=world.site_a,
        user=world.user("manager_a"),
    )
    key = row_key(line, 1)
    assert list(batch.rejected_rows.values_list("key", flat=True)) == [key]

    client = client_for(world, "manager_a")
    page = client.get(f"/ingest/{batch.pk}/").content.decode()
    assert f"<code>{key}</code>" in page
    for url in (f"/ingest/{batch.pk}/rejected.csv", f"/api/v1/ingest/batches/{batch.pk}/rejected/"):
        text = b"".join(client.get(url).streaming_content).decode()
        assert text.splitlines()[0] == "line,field,reason,raw,key"
        assert text.splitlines()[1].endswith(f",{key}")
    # Someone who may not see the batch sees neither its rows nor their keys.
    other = client_for(world, "tech_b")
    assert other.get(f"/api/v1/ingest/batches/{batch.pk}/rejected/").status_code == 404
