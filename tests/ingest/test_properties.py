"""Property: loading readings is idempotent and order-free, whatever the file's chunking.

Any list of readings, loaded once, loaded twice, loaded shuffled, split into files loaded
one after another (apart or overlapping), or read in tiny chunks (so chunks overlap stored
readings and take the staging path), leaves the same table, and the batch counts add up:
each distinct reading is inserted exactly once over all loads, every re-sent one is
counted as a duplicate, and nothing is refused.

pytest-django's ``db`` fixture wraps the whole test, all hypothesis examples included, in
one transaction, so each example deletes the readings it stored before the next one runs.
"""

import datetime as dt
import json
import random
import uuid
from decimal import Decimal
from unittest import mock

import numpy as np
import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import csvchunks, readings
from ingest.models import Status
from ingest.services import batch_ingest_file
from reliability.models import METRIC_BOUNDS, Reading, WorkOrder
from tests.factories import AssetFactory, SensorFactory

BASE = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
SPAN_SECONDS = 120  # a small range: readings of a sensor crowd the same chunks
TINY_CHUNK_BYTES = 64  # two or three lines per chunk
METRICS = ("vibration_velocity_rms", "temperature", "current")
# How a file may write the UTC offset of an instant (ISO 8601, as historians do).
OFFSETS = (
    ("Z", dt.timedelta(0)),
    ("+00:00", dt.timedelta(0)),
    ("-05:00", dt.timedelta(hours=-5)),
    ("+05:30", dt.timedelta(hours=5, minutes=30)),
    ("+14:00", dt.timedelta(hours=14)),
    ("-0930", dt.timedelta(hours=-9, minutes=-30)),
)


@pytest.fixture
def sensors(db):
    """Three sensors, one per metric, on one asset (the examples use the first 1-3)."""
    asset = AssetFactory()
    return [SensorFactory(asset=asset, metric=metric) for metric in METRICS]


@pytest.fixture
def media_root(tmp_path):
    """Uploaded batch files go to a folder of this test's, not the developer's .data/."""
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        yield tmp_path


# --- Strategies -----------------------------------------------------------------------


def reading(sensor_count):
    """(sensor index, second after BASE, offset index, value within the metric's bounds)."""

    def for_sensor(index):
        low, high = METRIC_BOUNDS[METRICS[index]]
        return st.tuples(
            st.just(index),
            st.integers(0, SPAN_SECONDS),
            st.integers(0, len(OFFSETS) - 1),
            st.floats(low, high, allow_nan=False, allow_infinity=False),
        )

    return st.integers(0, sensor_count - 1).flatmap(for_sensor)


@st.composite
def reading_lists(draw):
    count = draw(st.integers(1, len(METRICS)))
    rows = draw(st.lists(reading(count), min_size=1, max_size=40, unique_by=lambda r: (r[0], r[1])))
    return rows


# --- Helpers --------------------------------------------------------------------------


def csv_text(rows, sensors):
    lines = ["sensor_id,measured_at,value"]
    for index, second, offset, value in rows:
        suffix, delta = OFFSETS[offset]
        local = (BASE + dt.timedelta(seconds=second) + delta).replace(tzinfo=None)
        lines.append(f"{sensors[index].pk},{local.isoformat()}{suffix},{value!r}")
    return "\n".join(lines) + "\n"


def expected_table(rows, sensors):
    return {
        (sensors[index].pk, BASE + dt.timedelta(seconds=second), np.float32(value))
        for index, second, _, value in rows
    }


def stored_table(sensors):
    return {
        (sensor_id, measured_at, np.float32(value))
        for sensor_id, measured_at, value in Reading.objects.filter(sensor__in=sensors).values_list(
            "sensor_id", "measured_at", "value"
        )
    }


class Loader:
    """Writes files to a folder and loads them with batch_ingest_file, keeping the counts."""

    def __init__(self, folder, sensors):
        self.folder = folder
        self.sensors = sensors
        self.files = 0
        self.inserted = self.duplicate = self.read = 0

    def load(self, rows):
        self.files += 1
        path = self.folder / f"readings-{self.files}.csv"
        path.write_text(csv_text(rows, self.sensors))
        batch = batch_ingest_file(path=path, kind="readings")
        assert batch.status == Status.DONE, batch.error
        assert batch.rows_rejected == 0, list(batch.rejected_rows.values_list("line", "reason"))
        assert batch.rows_updated == 0
        assert batch.rows_total == batch.rows_read == len(rows)
        assert batch.rows_read == batch.rows_inserted + batch.rows_duplicate
        self.inserted += batch.rows_inserted
        self.duplicate += batch.rows_duplicate
        self.read += batch.rows_read
        return batch

    def check(self, rows, distinct):
        """The table holds exactly ``rows``; ``distinct`` rows were inserted once each,
        and every other row read was a duplicate."""
        assert stored_table(self.sensors) == expected_table(rows, self.sensors)
        assert self.inserted == distinct
        assert self.duplicate == self.read - distinct
        Reading.objects.filter(sensor__in=self.sensors).delete()
        self.inserted = self.duplicate = self.read = 0


# --- The property ---------------------------------------------------------------------


@settings(
    max_examples=30,
    deadline=None,
    database=None,  # keep no example database (.hypothesis/) in the project
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=reading_lists(), seed=st.randoms(use_true_random=False), data=st.data())
def test_any_loading_of_the_same_readings_gives_the_same_table(
    sensors, media_root, rows, seed, data
):
    Reading.objects.filter(sensor__in=sensors).delete()  # an earlier example's, if it failed
    folder = media_root / f"example-{uuid.uuid4().hex}"  # hypothesis replays examples
    folder.mkdir()
    loader = Loader(folder, sensors)
    n = len(rows)

    # Once, then again: the second load stores nothing and counts every row a duplicate.
    first = loader.load(rows)
    assert (first.rows_inserted, first.rows_duplicate) == (n, 0)
    second = loader.load(rows)
    assert (second.rows_inserted, second.rows_duplicate) == (0, n)
    loader.check(rows, distinct=n)

    # Shuffled.
    shuffled = list(rows)
    seed.shuffle(shuffled)
    loader.load(shuffled)
    loader.check(rows, distinct=n)

    # Split into 2-3 files, loaded one after another.
    parts = data.draw(st.integers(2, 3), label="parts")
    cuts = sorted(
        data.draw(st.lists(st.integers(0, n), min_size=parts - 1, max_size=parts - 1), label="cuts")
    )
    bounds = [0, *cuts, n]
    for start, end in zip(bounds, bounds[1:], strict=False):
        loader.load(shuffled[start:end])
    loader.check(rows, distinct=n)

    with override_settings(INGEST_CHUNK_BYTES=TINY_CHUNK_BYTES):
        # One file read a few lines at a time: later chunks overlap stored readings of the
        # same sensors and go through the staging table.
        loader.load(shuffled)
        loader.check(rows, distinct=n)

        # Two overlapping parts (the second re-sends a stretch of the first), then the
        # whole file twice over in one batch: re-sends are duplicates, within a batch too.
        low = data.draw(st.integers(0, n), label="overlap start")
        high = data.draw(st.integers(low, n), label="overlap end")
        loader.load(shuffled[:high])
        loader.load(shuffled[low:])
        again = loader.load(shuffled + rows)
        assert (again.rows_inserted, again.rows_duplicate) == (0, 2 * n)
        loader.check(rows, distinct=n)


def test_a_multi_chunk_file_really_is_read_in_chunks_and_compared(sensors, media_root):
    """Guard for the property above: with the tiny chunk size a file takes many chunks,
    and those of a shuffled file find readings stored by earlier chunks in their span."""
    rows = [(i % 3, i, i % len(OFFSETS), float(i % 50)) for i in range(30)]
    random.Random(7).shuffle(rows)
    loader = Loader(media_root, sensors)
    found, stored_in_spans = [], readings._stored_in_spans

    def record_found(*args):
        result = stored_in_spans(*args)
        found.append(len(result[0]))
        return result

    # Several lines per chunk whatever the sensor ids' width, so a chunk's span for a
    # sensor can straddle a reading stored by an earlier chunk.
    with (
        override_settings(INGEST_CHUNK_BYTES=4 * TINY_CHUNK_BYTES),
        mock.patch.object(csvchunks, "read_chunk", wraps=csvchunks.read_chunk) as read_chunk,
        mock.patch.object(readings, "_stored_in_spans", side_effect=record_found),
    ):
        loader.load(rows)
    assert read_chunk.call_count > 5
    assert any(found), "no chunk found stored readings in its span"
    loader.check(rows, distinct=len(rows))


# --- Work orders: with a built key, whole, re-sent or split, the same rows ---------------
#
# A work-order file of CMMS lines (no number column), where some lines repeat exactly and
# some are credits, is loaded with a mapping "key": our fields, or "row" (a fingerprint of
# the line and its occurrence among identical lines of the file). Loading it, loading it
# again, reading it a line or two per chunk, and loading it as two files give the same
# work orders and the same net totals. "Two files" means: every line identical to another
# is in the same part (a file's row keys number identical lines within that file, so a
# split through a group of identical lines renumbers them). Any split at all still gives
# a subset of the whole file's rows, and the whole file loaded after its parts gives
# exactly its own rows.

WO_HEADER = "Asset,Date,Description,Type,Parts,Labour\n"
WO_KEYS = ("row", ["asset", "opened_at", "description"])
WO_DESCRIPTIONS = ("Belt", "Bearing, DE", 'Seal "B"', "Credit note")
WO_MAPPING = {
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


@st.composite
def work_order_files(draw):
    """(lines, part of each line): distinct lines, some sent several times, in two parts
    that no group of identical lines straddles."""
    specs = draw(
        st.lists(
            st.tuples(
                st.integers(0, 1),  # asset
                st.integers(1, 28),  # day of November 2026
                st.sampled_from(WO_DESCRIPTIONS),
                st.sampled_from(("CM", "PM", "EM")),
                st.integers(-50_000, 50_000),  # parts, cents: credits too
                st.integers(-20_000, 20_000),  # labour, cents
                st.integers(1, 3),  # times the line is sent
                st.booleans(),  # in the second part
            ),
            min_size=1,
            max_size=8,
            unique_by=lambda s: s[:3],  # the field key: one line per key
        )
    )
    return specs


def work_order_line(spec, assets) -> str:
    asset, day, description, kind, parts, labour = spec[:6]
    quoted = '"' + description.replace('"', '""') + '"'
    money = f"{Decimal(parts) / 100:.2f},{Decimal(labour) / 100:.2f}"
    return f"{assets[asset].code},11/{day:02d}/2026,{quoted},{kind},{money}"


def stored_work_orders(site):
    rows = WorkOrder.objects.filter(site=site).values_list(
        "external_id", "asset_id", "kind", "opened_at", "description", "parts_cost", "labour_cost"
    )
    return set(rows)


def work_order_totals(site):
    orders = WorkOrder.objects.filter(site=site)
    return (
        orders.count(),
        sum((o.parts_cost for o in orders), Decimal(0)),
        sum((o.labour_cost for o in orders), Decimal(0)),
    )


@pytest.fixture
def wo_assets(db):
    first = AssetFactory()
    return [first, AssetFactory(line=first.line, site=first.site)]


@settings(
    max_examples=8,  # ten loads each: keep the suite fast
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=work_order_files(), key=st.sampled_from(WO_KEYS), data=st.data())
def test_any_loading_of_a_work_order_file_gives_the_same_rows_and_totals(
    wo_assets, media_root, specs, key, data
):
    site = wo_assets[0].site
    WorkOrder.objects.filter(site=site).delete()
    folder = media_root / f"example-{uuid.uuid4().hex}"
    folder.mkdir()
    mapping = folder / "mapping.json"
    mapping.write_text(json.dumps({**WO_MAPPING, "key": key}))
    files = iter(range(100))

    def load(lines):
        path = folder / f"wo-{next(files)}.csv"
        path.write_text(WO_HEADER + "".join(line + "\n" for line in lines))
        batch = batch_ingest_file(path=path, kind="work_orders", mapping=str(mapping), site=site)
        assert batch.status == Status.DONE, batch.error
        assert batch.rows_read == len(lines)
        return batch

    def reset():
        found = (stored_work_orders(site), work_order_totals(site))
        WorkOrder.objects.filter(site=site).delete()
        return found

    sent = [(work_order_line(s, wo_assets), s) for s in specs for _ in range(s[6])]
    order = data.draw(st.permutations(range(len(sent))), label="order")
    lines = [sent[i][0] for i in order]
    # Expected by hand: a row key keeps every line, a field key one per distinct line.
    counted = [s for _, s in sent] if key == "row" else specs
    expected = (
        len(counted),
        sum((Decimal(s[4]) / 100 for s in counted), Decimal(0)),
        sum((Decimal(s[5]) / 100 for s in counted), Decimal(0)),
    )

    first = load(lines)
    assert first.rows_rejected == (0 if key == "row" else len(sent) - len(specs))
    whole = reset()
    assert whole[1] == expected

    load(lines)
    again = load(lines)  # re-sent: every row already stored, nothing changes
    assert (again.rows_inserted, again.rows_updated) == (0, 0)
    assert reset() == whole

    with override_settings(INGEST_RECORD_CHUNK_BYTES=TINY_CHUNK_BYTES):
        load(lines)
    assert reset() == whole

    # Two files; no group of identical lines straddles them.
    load([line for line, s in sent if not s[7]])
    load([line for line, s in sent if s[7]])
    assert reset() == whole

    # Any cut of the file: its parts hold a subset of its rows, and the whole file loaded
    # after them adds the rest.
    cut = data.draw(st.integers(0, len(lines)), label="cut")
    load(lines[:cut])
    load(lines[cut:])
    assert stored_work_orders(site) <= whole[0]
    load(lines)
    assert reset() == whole
