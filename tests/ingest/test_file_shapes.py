"""Files shaped like real exports: no header, other delimiters, cp1252, decimal commas,
day-first and month-first dates, a byte-order mark, and bad lines among good ones.

Every file is generated here. The mappings are JSON files given by path, as at the
command line (``manage.py ingest KIND FILE --mapping PATH.json``).
"""

import datetime as dt
import json
from decimal import Decimal
from unittest import mock

import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from ingest import csvchunks, fields, mappings, preview, services, uploads
from ingest.models import IngestBatch, Mapping, Source, Status
from ingest.services import batch_ingest_file
from reliability.models import FailureEvent, Reading, WorkOrder
from tests.factories import AssetFactory, SensorFactory
from tests.people import client_for

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def load_bytes(tmp_path):
    """Run ``data`` (bytes, as the export wrote them) through a whole batch, read with the
    mapping ``definition`` (a dict, written to a JSON file), synchronously."""
    counter = iter(range(10_000))

    def _load(kind, data: bytes, definition: dict | None = None, **options):
        number = next(counter)
        path = tmp_path / f"{kind}-{number}.csv"
        path.write_bytes(data)
        if definition is not None:
            mapping_path = tmp_path / f"mapping-{number}.json"
            mapping_path.write_text(json.dumps(definition), encoding="utf-8")
            options["mapping"] = str(mapping_path)
        return batch_ingest_file(path=path, kind=kind, **options)

    return _load


def rejected(batch):
    return [(r.line, r.field, r.reason) for r in batch.rejected_rows.order_by("line", "id")]


def counts(batch):
    return (batch.status, batch.rows_read, batch.rows_inserted, batch.rows_rejected)


@pytest.fixture
def pump(world):
    return AssetFactory(line=world.asset_a.line, code="P-101")


@pytest.fixture
def sensor(world):
    return SensorFactory(asset=world.asset_a, code="vib", metric="vibration_velocity_rms")


# --- No header ------------------------------------------------------------------------

FAILURE_LOG = {
    "name": "failure-log",
    "kind": "failure_events",
    "header": False,
    "columns": {"1": "started_at", "2": "asset", "3": "ended_at", "4": "description"},
    "timezone": "UTC",
}
FAILURE_LINES = [
    "2026-03-04 08:00,P-101,2026-03-04 09:30,bearing seized",  # 1: data, not a header
    "2026-03-05 10:00,P-101,,belt slipped",  # 2: no end time
    "2026-03-07 12:00,P-101,oops",  # 3: no description, and its end is no timestamp
    "2026-03-08 13:00,P-404,,unknown asset",  # 4
    '2026-03-09 14:00,P-101,2026-03-09 15:00,"motor, overheated"',  # 5
    "2026-03-10 16:00,P-101,2026-03-10 16:45,fuse",  # 6: last line, no newline
]


def test_a_header_less_failure_log_loads_from_its_first_line(world, pump, load_bytes):
    data = "\n".join(FAILURE_LINES).encode()
    batch = load_bytes("failure_events", data, FAILURE_LOG, site=world.site_a)
    assert counts(batch) == (Status.DONE, 6, 4, 2)
    assert rejected(batch) == [
        (3, "ended_at", "not a timestamp (ISO 8601)"),
        (4, "asset", "unknown asset code at this site"),
    ]
    assert batch.rejected_rows.get(line=3).raw == FAILURE_LINES[2]
    assert (batch.header_lines, batch.rows_total, batch.lines_done) == (0, 6, 6)
    stored = {
        e.started_at: (e.ended_at, e.description) for e in FailureEvent.objects.filter(asset=pump)
    }
    assert stored == {
        at("2026-03-04 08:00"): (at("2026-03-04 09:30"), "bearing seized"),
        at("2026-03-05 10:00"): (None, "belt slipped"),
        at("2026-03-09 14:00"): (at("2026-03-09 15:00"), "motor, overheated"),
        at("2026-03-10 16:00"): (at("2026-03-10 16:45"), "fuse"),
    }


def test_a_header_less_file_resumed_after_a_chunk_gives_the_same_result(
    world, pump, load_bytes, tmp_path
):
    data = ("\n".join(FAILURE_LINES) + "\n").encode()
    whole = load_bytes("failure_events", data, FAILURE_LOG, site=world.site_a)
    expected = set(FailureEvent.objects.values_list("started_at", "ended_at", "description"))
    FailureEvent.objects.all().delete()

    path = tmp_path / "log.csv"
    path.write_bytes(data)
    mapping_path = tmp_path / "log.json"
    mapping_path.write_text(json.dumps(FAILURE_LOG))
    with path.open("rb") as handle:
        batch = services.batch_create(
            kind="failure_events",
            upload=SimpleUploadedFile("log.csv", handle.read()),
            file_name="log.csv",
            mapping=str(mapping_path),
            site=world.site_a,
            source=Source.CLI,
            enqueue=False,
        )
    real_read = csvchunks.read_chunk
    calls = iter(range(100))

    def dies_at_the_third_chunk(*args, **kwargs):
        if next(calls) == 2:
            raise KeyboardInterrupt  # the worker killed: not caught as a failed batch
        return real_read(*args, **kwargs)

    with override_settings(INGEST_RECORD_CHUNK_BYTES=40):  # one or two lines per chunk
        with (
            mock.patch.object(csvchunks, "read_chunk", side_effect=dies_at_the_third_chunk),
            pytest.raises(KeyboardInterrupt),
        ):
            services.batch_run(batch_id=batch.pk)
        halfway = IngestBatch.objects.get(pk=batch.pk)
        assert halfway.status == Status.RUNNING
        assert 0 < halfway.resume_line < len(FAILURE_LINES)
        resumed = services.batch_run(batch_id=batch.pk)
    assert rejected(resumed) == rejected(whole)
    assert counts(resumed) == counts(whole)
    assert resumed.lines_done == whole.lines_done == 6
    got = set(FailureEvent.objects.values_list("started_at", "ended_at", "description"))
    assert got == expected


def test_a_header_less_file_fails_up_front_naming_a_field_no_position_gives(
    world, pump, load_bytes
):
    no_asset = {**FAILURE_LOG, "columns": {"1": "started_at", "3": "ended_at"}}
    batch = load_bytes("failure_events", FAILURE_LINES[0].encode(), no_asset, site=world.site_a)
    assert batch.status == Status.FAILED
    assert batch.error == "Required field missing: asset (no column position maps to it)."

    # A required position past a line's end refuses that line, not the file.
    too_far = {**FAILURE_LOG, "columns": {"1": "started_at", "7": "asset"}}
    batch = load_bytes("failure_events", FAILURE_LINES[0].encode(), too_far, site=world.site_a)
    assert counts(batch) == (Status.DONE, 1, 0, 1)
    assert rejected(batch) == [(1, "", "expected at least 7 fields, found 4")]
    assert not FailureEvent.objects.exists()


# --- Semicolons, decimal commas, cp1252, day-first dates ---------------------------------

CMMS_FR = {
    "name": "cmms-fr",
    "kind": "work_orders",
    "delimiter": ";",
    "encoding": "cp1252",
    "decimal": ",",
    "date_order": "dmy",
    "timezone": "UTC",
    "columns": {
        "N° OT": "external_id",
        "Équipement": "asset",
        "Type": "kind",
        "Libellé": "description",
        "Créé le": "opened_at",
        "Coût pièces": "parts_cost",
        "Heures": "labour_hours",
        "Coût MO": "labour_cost",
        "Arrêt (h)": "downtime_minutes",
    },
    "units": {"downtime_minutes": "hours"},
}


def test_a_semicolon_cp1252_file_with_decimal_commas(world, load_bytes):
    lines = [
        "N° OT;Équipement;Type;Libellé;Créé le;Coût pièces;Heures;Coût MO;Arrêt (h)",
        "WO-1;M-1;corrective;Roulement usé – 5 €;03/04/2026 14:00;1.234,56;2,5;150,00;1,5",
        "WO-2;M-1;preventive;Schmierung Lüfter;04/04/2026 08:00;12,5;1;45;0",
        "WO-3;M-1;corrective;point décimal;05/04/2026 08:00;1.5;1;45;0",  # 4: ambiguous
        "WO-4;M-1;corrective;octet ?;06/04/2026 08:00;1;1;1;0",  # 5: an undefined byte
        'WO-5;M-1;corrective;"Libellé; avec point-virgule";31/12/2025 23:59;0;0,25;10;0',
        "WO-6;M-1;corrective;1.234 sans décimales;07/04/2026 08:00;1.234;1;1;0",  # 7
        "WO-7;M-1;corrective;mois 13;13/13/2026 08:00;1;1;1;0",  # 8
    ]
    data = ("\r\n".join(lines) + "\r\n").encode("cp1252").replace(b"octet ?", b"octet \x81")
    batch = load_bytes("work_orders", data, CMMS_FR, site=world.site_a)
    comma = "not a number with a decimal comma (1234,56 or 1.234,56)"
    assert rejected(batch) == [
        (4, "parts_cost", comma),
        (5, "", "holds a byte that is not cp1252 text"),
        (7, "parts_cost", comma),
        (8, "opened_at", "not a timestamp (DD/MM/YYYY [HH:MM[:SS]])"),
    ]
    assert batch.rejected_rows.get(line=5).raw == lines[4].replace("?", "\ufffd")
    assert counts(batch) == (Status.DONE, 7, 3, 4)
    stored = {
        w.external_id: (
            w.description,
            w.opened_at,
            w.parts_cost,
            w.labour_hours,
            w.labour_cost,
            w.downtime_minutes,
        )
        for w in WorkOrder.objects.all()
    }
    assert stored == {
        "WO-1": (
            "Roulement usé – 5 €",
            at("2026-04-03 14:00"),
            Decimal("1234.56"),
            Decimal("2.5"),
            Decimal("150.00"),
            90,
        ),
        "WO-2": (
            "Schmierung Lüfter",
            at("2026-04-04 08:00"),
            Decimal("12.5"),
            Decimal("1"),
            Decimal("45"),
            0,
        ),
        "WO-5": (
            "Libellé; avec point-virgule",
            at("2025-12-31 23:59"),
            Decimal("0"),
            Decimal("0.25"),
            Decimal("10"),
            0,
        ),
    }


def test_day_first_and_month_first_dates_and_a_format_still_wins(sensor, load_bytes):
    s = sensor.pk
    data = f"sensor_id,measured_at,value\n{s},03/04/2026 14:00,1\n{s},2026-04-05T08:00Z,2\n"
    base = {"name": "dates", "kind": "readings", "timezone": "UTC"}
    load_bytes("readings", data.encode(), {**base, "date_order": "dmy"})
    assert sorted(Reading.objects.values_list("measured_at", flat=True)) == [
        at("2026-04-03 14:00"),  # 3 April
        at("2026-04-05 08:00"),  # year first: read as written
    ]
    Reading.objects.all().delete()
    load_bytes("readings", data.encode(), {**base, "date_order": "mdy"})
    assert at("2026-03-04 14:00") in Reading.objects.values_list("measured_at", flat=True)
    Reading.objects.all().delete()
    formatted = {**base, "date_order": "dmy", "timestamp_format": "%m/%d/%Y %H:%M"}
    batch = load_bytes("readings", data.encode(), formatted)
    assert list(Reading.objects.values_list("measured_at", flat=True)) == [at("2026-03-04 14:00")]
    assert rejected(batch) == [(3, "measured_at", "not a timestamp (%m/%d/%Y %H:%M)")]


# --- Whitespace and tabs ----------------------------------------------------------------


def test_a_whitespace_delimited_readings_file(sensor, load_bytes):
    s = sensor.pk
    mapping = {
        "name": "spaced",
        "kind": "readings",
        "delimiter": "whitespace",
        "columns": {"ts": "measured_at", "sensor": "sensor_id", "v": "value"},
    }
    clean = f"sensor   ts\tv\n  {s}   2026-11-02T00:00:00Z   2.5\n{s}\t2026-11-02T00:10:00Z\t2.6 \n"
    batch = load_bytes("readings", clean.encode(), mapping)
    assert counts(batch) == (Status.DONE, 2, 2, 0)
    messy = (
        "sensor ts v\n"
        f"{s} 2026-11-02T00:20:00Z 2.7\n"  # 2
        "   \n"  # 3: blank
        f"{s} 2026-11-02T00:30:00Z\n"  # 4: a field short
        f"{s} 2026-11-02T00:40:00Z 2.8 extra\n"  # 5: a field too many
        f'"{s}" "2026-11-02T00:50:00Z"   2.9\n'  # 6: quoted cells
        f"{s} 2026-11-02T01:00:00Z 3.0"  # 7
    )
    batch = load_bytes("readings", messy.encode(), mapping)
    assert rejected(batch) == [
        (4, "", "expected 3 fields, found 2"),
        (5, "", "expected 3 fields, found 4"),
    ]
    assert counts(batch) == (Status.DONE, 5, 3, 2)
    assert sorted(Reading.objects.values_list("value", flat=True)) == pytest.approx(
        [2.5, 2.6, 2.7, 2.9, 3.0]
    )


def test_a_quoted_cell_may_hold_spaces_in_a_whitespace_file(world, load_bytes):
    mapping = {"name": "spaced-wo", "kind": "work_orders", "delimiter": "whitespace"}
    data = (
        "external_id kind opened_at asset description\n"
        'WO-1 corrective 2026-11-03T08:00Z M-1 "belt  slipped, ""again"""\n'
    )
    batch = load_bytes("work_orders", data.encode(), mapping, site=world.site_a)
    assert counts(batch) == (Status.DONE, 1, 1, 0)
    assert WorkOrder.objects.get().description == 'belt  slipped, "again"'


def test_a_tab_file_with_decimal_commas(sensor, load_bytes):
    s = sensor.pk
    mapping = {"name": "tabbed", "kind": "readings", "delimiter": "\t", "decimal": ","}
    data = (
        "sensor_id\tmeasured_at\tvalue\n"
        f"{s}\t2026-11-02T00:00:00Z\t2,5\n"
        f"{s}\t2026-11-02T00:10:00Z\t1.5\n"  # 3: a point where a comma is expected
        f"{s}\t2026-11-02T00:20:00Z\t12\n"
    )
    batch = load_bytes("readings", data.encode(), mapping)
    assert rejected(batch) == [
        (3, "value", "not a number with a decimal comma (1234,56 or 1.234,56)")
    ]
    assert sorted(Reading.objects.values_list("value", flat=True)) == [2.5, 12.0]


# --- Byte-order mark --------------------------------------------------------------------


def test_a_utf8_byte_order_mark_is_skipped_with_or_without_header(world, pump, sensor, load_bytes):
    s = sensor.pk
    data = f"\ufeffsensor_id,measured_at,value\n{s},2026-11-02T00:00:00Z,2.5\n".encode()
    batch = load_bytes("readings", data)
    assert counts(batch) == (Status.DONE, 1, 1, 0)

    data = ("\ufeff" + "\n".join(FAILURE_LINES[:2])).encode()
    batch = load_bytes("failure_events", data, FAILURE_LOG, site=world.site_a)
    assert counts(batch) == (Status.DONE, 2, 2, 0)
    assert FailureEvent.objects.filter(started_at=at("2026-03-04 08:00")).exists()


# --- The upload check -------------------------------------------------------------------


def test_the_upload_check_accepts_cp1252_only_when_the_mapping_says_so(world):
    upload = SimpleUploadedFile("wo.csv", "Libellé;Coût\nusé;1,5 €\n".encode("cp1252"), "text/csv")
    with pytest.raises(ValidationError, match="not UTF-8"):
        uploads.check_upload(upload)
    uploads.check_upload(upload, encoding="cp1252")
    assert uploads.encoding_of("canonical", "work_orders") == "utf-8"
    assert uploads.encoding_of("no-such-mapping", "work_orders") == "utf-8"


# --- Mapping validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"delimiter": ":"}, "delimiter: must be one of ',', ';', '\\t', '|', 'whitespace'"),
        ({"encoding": "utf-16"}, "encoding: must be one of 'utf-8', 'cp1252', 'latin-1'"),
        ({"decimal": "'"}, "decimal: must be one of '.', ','"),
        ({"decimal": ","}, "decimal: ',' needs another delimiter"),
        ({"date_order": "ydm"}, "date_order: must be one of 'ymd', 'dmy', 'mdy'"),
        ({"header": "no"}, "header: must be true or false"),
        ({"header": False, "columns": {"Tag": "asset"}}, 'columns: with "header": false'),
        ({"header": False, "columns": {"0": "asset"}}, "not '0'"),
        (
            {"header": False, "wide": {"variable": "metric", "value": "value", "columns": []}},
            "wide: a wide file needs a header",
        ),
    ],
)
def test_mapping_errors_name_the_key(extra, message):
    with pytest.raises(mappings.MappingError) as caught:
        mappings.parse({"name": "x", **extra}, source="x.json")
    assert str(caught.value).startswith("x.json: ")
    assert message in str(caught.value)


def test_the_file_shape_keys_have_their_defaults_and_are_kept():
    assert mappings.parse({"name": "x", "kind": None}).dialect == csvchunks.Dialect(
        ",", "utf-8", True
    )
    shaped = mappings.parse(
        {
            "name": "x",
            "kind": None,
            "header": False,
            "delimiter": "|",
            "encoding": "CP1252",
            "decimal": ",",
        }
    )
    assert shaped.dialect == csvchunks.Dialect("|", "cp1252", False)
    assert (shaped.decimal, shaped.date_order) == (",", None)


@pytest.mark.parametrize(
    "dialect, text, lines",
    [
        (csvchunks.DEFAULT, "1,a b,2\n3,c,4\n", [1, 2]),
        (csvchunks.Dialect(delimiter=";"), "1;a b;2\r\n\r\n3;c;4\r\n", [1, 3]),
        (csvchunks.Dialect(delimiter="|", encoding="cp1252"), "1|é|2\n3|€|4", [1, 2]),
        (csvchunks.Dialect(delimiter="whitespace"), " 1  a\t2\n  \n3 c 4 \n", [1, 3]),
    ],
)
def test_clean_chunks_of_every_dialect_take_the_fast_path(dialect, text, lines):
    """Speed guard: only a chunk with a bad line is parsed record by record."""
    data = text.encode(dialect.encoding)
    with mock.patch.object(csvchunks, "_parse_records", side_effect=AssertionError("slow")):
        chunk = csvchunks._parse(data, text, 1, ["1", "2", "3"], dialect)
    assert chunk.frame["1"].tolist() == ["1", "3"]
    assert chunk.frame["__line__"].tolist() == lines


# --- Conversions, cell by cell ----------------------------------------------------------

COMMA = "not a number with a decimal comma (1234,56 or 1.234,56)"


@pytest.mark.parametrize(
    "cell, value, reason",
    [
        ("1.234,56", 1234.56, None),
        ("1.234.567,5", 1234567.5, None),
        ("1234,56", 1234.56, None),
        ("-12,5", -12.5, None),
        (",5", 0.5, None),
        ("12", 12.0, None),
        ("1.5", None, COMMA),  # a decimal point where a comma is expected
        ("1.234", None, COMMA),  # a thousands point or a decimal point?
        ("1,234.5", None, COMMA),
        ("12.34,5", None, COMMA),
        ("1,2,3", None, "not a number"),
    ],
)
def test_decimal_comma_cells(cell, value, reason):
    errors = fields.Errors()
    got = fields.convert(
        pd.Series([cell], dtype=object), fields.Field("x", "float"), errors, decimal=","
    )
    assert errors.by_row == ({0: [("x", reason)]} if reason else {})
    if value is not None:
        assert got[0] == pytest.approx(value)


@pytest.mark.parametrize(
    "cell, order, expected",
    [
        ("03/04/2026 14:00", "dmy", "2026-04-03 14:00"),
        ("03/04/2026 14:00", "mdy", "2026-03-04 14:00"),
        ("3.4.2026", "dmy", "2026-04-03 00:00"),
        ("2026/04/03 9:05:07", "ymd", "2026-04-03 09:05:07"),
        ("2026-04-03T09:05Z", "mdy", "2026-04-03 09:05"),  # a year first is read as written
        ("01/02/2026 08:00+01:00", "dmy", "2026-02-01 07:00"),
        ("31/02/2026", "dmy", None),
        ("03/04/26", "dmy", None),  # a two-digit year is not guessed
        ("03/04/2026", "ymd", None),
    ],
)
def test_date_order_cells(cell, order, expected):
    errors = fields.Errors()
    got = fields.convert(
        pd.Series([cell], dtype=object),
        fields.Field("t", "datetime"),
        errors,
        tz="UTC",
        date_order=order,
    )
    if expected is None:
        assert list(errors.by_row) == [0]
        assert errors.by_row[0][0][1].startswith("not a timestamp (")
    else:
        assert errors.by_row == {}
        assert got[0] == at(expected)


def test_an_api_upload_in_cp1252_runs_with_a_stored_cp1252_mapping(
    world, django_capture_on_commit_callbacks, eager_tasks
):
    definition = {**CMMS_FR, "name": "cmms-fr"}
    Mapping.objects.create(
        name="cmms-fr",
        kind="work_orders",
        definition=definition,
        portfolio=world.portfolio_p,
        owner=world.user("manager_a"),
    )
    data = (
        "N° OT;Équipement;Type;Libellé;Créé le;Coût pièces;Heures;Coût MO;Arrêt (h)\n"
        "WO-1;M-1;corrective;Roulement usé – 5 €;03/04/2026 14:00;1.234,56;2,5;150,00;1,5\n"
    ).encode("cp1252")
    client = client_for(world, "integrator_a")

    def post(mapping):
        upload = SimpleUploadedFile("wo.csv", data, content_type="text/csv")
        body = {"kind": "work_orders", "file": upload, "site": "site-a", "mapping": mapping}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/api/v1/ingest/batches/", data=body)

    refused = post("canonical")
    assert refused.status_code == 400
    assert "not UTF-8" in str(refused.json()["file"])
    response = post("cmms-fr")
    assert response.status_code == 202, response.content
    batch = IngestBatch.objects.get(pk=response.json()["id"])
    assert counts(batch) == (Status.DONE, 1, 1, 0)
    assert WorkOrder.objects.get().description == "Roulement usé – 5 €"


def test_bulk_json_rows_refuse_a_mapping_that_shapes_a_file(world):
    Mapping.objects.create(
        name="cmms-fr", kind="work_orders", definition=CMMS_FR, portfolio=world.portfolio_p
    )
    row = {"asset": "M-1", "external_id": "W1", "kind": "corrective", "opened_at": "2026-11-02"}
    response = client_for(world, "integrator_a").post(
        "/api/v1/ingest/work-orders/",
        data={"rows": [row], "site": "site-a", "mapping": "cmms-fr"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "says how a file is written" in response.json()["mapping"][0]
    assert not IngestBatch.objects.exists()


# --- Two columns for one field; a column named __line__ ----------------------------------

WO_LINE = "site-a,M-1,M-1,W-1,corrective,2026-01-06T00:00:00Z\n"


@pytest.mark.parametrize(
    "columns, header, words",
    [
        (
            {"Tag": "asset"},
            "site,Tag,asset,external_id,kind,opened_at",
            "asset is given by both 'Tag' and 'asset': map or drop one.",
        ),
        (
            {"A": "asset", "B": "asset"},
            "site,A,B,external_id,kind,opened_at",
            "asset is given by both 'A' and 'B': map or drop one.",
        ),
        (  # a constant would silently overwrite what the file says
            {"Tag": "description"},
            "site,asset,Tag,external_id,kind,opened_at",
            "asset is given by both 'asset' and 'asset (a constant of the mapping)': "
            "map or drop one.",
        ),
    ],
)
def test_two_columns_for_one_field_fail_the_batch_and_the_preview_naming_both(
    world, load_bytes, columns, header, words
):
    data = (header + "\n" + WO_LINE).encode()
    definition = {"name": "two", "kind": "work_orders", "columns": columns}
    if "description" in columns.values():
        definition["constants"] = {"asset": "M-9"}
    batch = load_bytes("work_orders", data, definition)
    assert (batch.status, batch.error) == (Status.FAILED, words)
    Mapping.objects.create(
        name="two", kind="work_orders", definition=definition, portfolio=world.portfolio_p
    )
    shown = preview.batch_preview(
        kind="work_orders",
        upload=SimpleUploadedFile("wo.csv", data),
        user=world.user("manager_a"),
        mapping="two",
    )
    assert shown.error == words
    assert not WorkOrder.objects.exists()


def test_a_column_named_like_our_line_numbers_is_refused_plainly(world, load_bytes):
    data = b"site,asset,external_id,kind,opened_at,__line__\n" + WO_LINE.encode()
    batch = load_bytes("work_orders", data)
    assert batch.status == Status.FAILED
    assert batch.error == (
        "The file has a column named '__line__', the name we number lines by: rename it."
    )


# --- With a header any column name may be mapped, digits too -----------------------------


def test_digit_column_names_map_under_a_header(world, load_bytes):
    mappings.parse({"name": "x", "columns": {"1": "asset", "2024": "started_at"}})
    definition = {
        "name": "years",
        "kind": "failure_events",
        "columns": {"1": "asset", "2024": "started_at", "3": "ended_at"},
        "timezone": "UTC",
    }
    data = b"1,2024,3\nM-1,2026-01-06 00:00,2026-01-06 01:00\n"
    batch = load_bytes("failure_events", data, definition, site=world.site_a)
    assert counts(batch) == (Status.DONE, 1, 1, 0)
    event = FailureEvent.objects.get()
    assert (event.started_at, event.ended_at) == (at("2026-01-06 00:00"), at("2026-01-06 01:00"))


# --- Without a header the mapping sets the width, not line 1 -----------------------------

OUTAGES = {
    "name": "outages",
    "kind": "failure_events",
    "header": False,
    "columns": {"1": "asset", "2": "started_at", "3": "ended_at"},
    "constants": {"site": "site-a"},
    "timezone": "UTC",
}


def test_a_short_first_line_sets_no_width(world, load_bytes):
    data = b"M-1,2026-01-06T00:00:00Z\nM-1,2026-01-07T00:00:00Z,2026-01-07T01:00:00Z\n"
    batch = load_bytes("failure_events", data, OUTAGES)
    assert counts(batch) == (Status.DONE, 2, 2, 0)
    stored = dict(FailureEvent.objects.values_list("started_at", "ended_at"))
    assert stored == {
        at("2026-01-06 00:00"): None,
        at("2026-01-07 00:00"): at("2026-01-07 01:00"),
    }


def test_header_less_lines_short_of_a_required_field_or_malformed_are_refused_as_lines(
    world, load_bytes
):
    lines = [
        '"M-1,2026-01-05T00:00:00Z',  # 1: malformed (an open quote), once fatal to the file
        "M-1",  # 2: no start: short of a required position
        "M-1,2026-01-06T00:00:00Z",  # 3: no end (optional)
        "M-1,2026-01-07T00:00:00Z,2026-01-07T01:00:00Z,extra,more",  # 4: past the width
        "M-1,2026-01-08T00:00:00Z,2026-01-08T01:00:00Z",  # 5
    ]
    batch = load_bytes("failure_events", ("\n".join(lines) + "\n").encode(), OUTAGES)
    assert counts(batch) == (Status.DONE, 5, 3, 2)
    reasons = rejected(batch)
    assert reasons[0][:2] == (1, "") and reasons[0][2].startswith("malformed CSV")
    assert reasons[1] == (2, "", "expected at least 2 fields, found 1")
    assert batch.rejected_rows.get(line=2).raw == "M-1"
    assert sorted(FailureEvent.objects.values_list("started_at", "ended_at")) == [
        (at("2026-01-06 00:00"), None),
        (at("2026-01-07 00:00"), at("2026-01-07 01:00")),
        (at("2026-01-08 00:00"), at("2026-01-08 01:00")),
    ]


@pytest.mark.parametrize(
    "text, cells",
    [
        ("a,b,c,d\ne,f,g,h\n", [["a", "b", "c"], ["e", "f", "g"]]),  # past the width
        ("a,b\n\ne,f\n", [["a", "b", ""], ["e", "f", ""]]),  # short of it, not of the least
        ("a b c d\ne f g h", [["a", "b", "c"], ["e", "f", "g"]]),  # whitespace
    ],
)
def test_header_less_chunks_of_one_field_count_take_the_fast_path(text, cells):
    """Speed guard: lines of one number of fields, enough for the required ones, are read
    by pandas whatever the mapping's width."""
    dialect = csvchunks.Dialect(
        delimiter="whitespace" if " " in text else ",", header=False, width=3, least=2
    )
    with mock.patch.object(csvchunks, "_parse_records", side_effect=AssertionError("slow")):
        chunk = csvchunks._parse(text.encode(), text, 1, ["1", "2", "3"], dialect)
    assert chunk.frame[["1", "2", "3"]].to_numpy().tolist() == cells
    assert list(chunk.frame.columns) == ["1", "2", "3", "__line__"]


def test_a_header_less_file_is_read_as_wide_as_the_mapping(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b'"open,quote\nM-1\n')
    with path.open("rb") as handle:
        header = csvchunks.read_header(handle, csvchunks.Dialect(header=False, width=4))
    assert (header.columns, header.end_offset, header.lines) == (["1", "2", "3", "4"], 0, 0)
