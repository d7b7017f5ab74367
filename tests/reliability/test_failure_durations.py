"""Failures without end times, open failures, zero durations and installation dates: MTBF,
fleet MTBF and MTTR counted as a reliability engineer counts them in a spreadsheet.

Issue 13, defects 1 and 2. Windows are half-open [start, end) in UTC; 2026 has 365 days,
so a year window is 8,760 h. Every expected number is worked out beside it.
"""

import datetime as dt
import math

import pandas as pd
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.charts import COLORS
from ingest.models import Status
from ingest.services import batch_ingest_file
from reliability import charts, metrics, statistics
from reliability.models import FailureEvent
from reliability.selectors import (
    asset_reliability_figures,
    asset_reliability_inputs,
    failure_frame,
)
from scores.models import SiteScoreSnapshot
from scores.services import site_recompute_scores
from scores.snapshot import Detail
from tests.factories import AssetFactory, FailureEventFactory, LineFactory, WorkOrderFactory
from tests.people import client_for

UTC = dt.UTC
YEAR_START, YEAR_END = pd.Timestamp("2026-01-01", tz="UTC"), pd.Timestamp("2027-01-01", tz="UTC")
YEAR_HOURS = 8760.0


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def log(*rows) -> pd.DataFrame:
    """Rows of (asset_id, started_at, ended_at or None, is_open)."""
    return pd.DataFrame(
        {
            "asset_id": [r[0] for r in rows],
            "started_at": pd.to_datetime([r[1] for r in rows], utc=True, format="mixed"),
            "ended_at": pd.to_datetime([r[2] for r in rows], utc=True, format="mixed"),
            "is_open": [bool(r[3]) if len(r) > 3 else False for r in rows],
        }
    )


# --- pure functions ----------------------------------------------------------------------


def test_fleet_of_100_assets_with_failures_without_end_times():
    """Asset i < 98 fails (i mod 5) + 1 times, none with an end time; assets 0–9 log their
    first failure twice at the same instant (one event); assets 98 and 99 never fail."""
    rows = []
    for asset in range(98):
        for k in range(asset % 5 + 1):
            start = YEAR_START + pd.Timedelta(days=30 * k + 1, hours=asset)
            rows.append((asset, start, None))
            if asset < 10 and k == 0:
                rows.append((asset, start, None))  # the same failure logged twice
    table = metrics.mtbf(log(*rows), range(100), YEAR_START, YEAR_END)
    # events: 19 cycles of 1+2+3+4+5 = 285 for assets 0–94, then 1+2+3 for 95–97: 291
    assert int(table["failures"].sum()) == 291
    assert (table["downtime_hours"] == 0.0).all()  # unknown durations take nothing off
    fleet = metrics.fleet_mtbf(table)
    assert fleet == {
        "hours": 100 * YEAR_HOURS / 291,  # 876,000 h ÷ 291 events = 3,010.3 h
        "censored": False,
        "operating_hours": 876_000.0,
        "failures": 291,
        "assets": 100,
    }
    # the two without failures: censored at the whole year, never infinite or zero
    assert (
        table.loc[98].to_dict()
        == table.loc[99].to_dict()
        == {
            "operating_hours": YEAR_HOURS,
            "failures": 0,
            "mtbf_hours": YEAR_HOURS,
            "censored": True,
            "downtime_hours": 0.0,
        }
    )


def test_seven_failures_without_end_times_in_a_year():
    rows = [(1, YEAR_START + pd.Timedelta(days=50 * k), None) for k in range(7)]
    row = metrics.mtbf(log(*rows), [1], YEAR_START, YEAR_END).loc[1]
    assert row["downtime_hours"] == 0.0  # not 8,658 h
    assert row["mtbf_hours"] == YEAR_HOURS / 7  # 1,251.4 h


def test_fleet_without_failures_is_censored_at_its_operating_hours():
    fleet = metrics.fleet_mtbf(metrics.mtbf(log(), [1, 2], YEAR_START, YEAR_END))
    assert (fleet["hours"], fleet["censored"]) == (2 * YEAR_HOURS, True)  # "> 17,520 h"
    assert metrics.fleet_mtbf(metrics.mtbf(log(), [], YEAR_START, YEAR_END))["hours"] is None


def test_only_an_open_failure_runs_to_the_window_end():
    failures = log(
        (1, "2026-12-31 12:00", None, True),  # open: down 12 h to the window end
        (2, "2026-12-31 12:00", None, False),  # no end, not open: unknown, 0 h
    )
    table = metrics.mtbf(failures, [1, 2], YEAR_START, YEAR_END)
    assert table["downtime_hours"].to_dict() == {1: 12.0, 2: 0.0}
    assert table["mtbf_hours"].to_dict() == {1: YEAR_HOURS - 12, 2: YEAR_HOURS}
    # a frame without is_open: a missing end is an unknown duration
    assert metrics.downtime_hours(failures.drop(columns="is_open"), YEAR_START, YEAR_END).sum() == 0


def test_zero_duration_failure_is_one_event_of_zero_hours():
    failures = log((1, "2026-03-01 08:00", "2026-03-01 08:00"))
    row = metrics.mtbf(failures, [1], YEAR_START, YEAR_END).loc[1]
    assert (row["failures"], row["downtime_hours"], row["mtbf_hours"]) == (1, 0.0, YEAR_HOURS)
    assert metrics.mttr(pd.DataFrame(), YEAR_START, YEAR_END, failures) == {
        "hours": 0.0,
        "count": 1,
        "events": 1,
        "without_time": 0,
    }


def test_operating_time_starts_at_installation():
    failures = log(
        (1, "2026-03-01", "2026-03-02"),  # before asset 1 existed: not in its window
        (1, "2026-08-01 00:00", "2026-08-01 02:00"),  # 2 h down
    )
    installed = {1: dt.date(2026, 7, 1), 3: dt.date(2027, 2, 1)}
    table = metrics.mtbf(failures, [1, 2, 3], YEAR_START, YEAR_END, installed=installed)
    # asset 1: 2026-07-01 → 2027-01-01 is 184 days = 4,416 h, less 2 h down, 1 failure
    assert table.loc[1, "operating_hours"] == 4414.0
    assert (table.loc[1, "failures"], table.loc[1, "mtbf_hours"]) == (1, 4414.0)
    assert table.loc[2, "operating_hours"] == YEAR_HOURS  # no date: before the window
    # asset 3 installed after the window: 0 h, censored at 0 h
    assert table.loc[3].to_dict() == {
        "operating_hours": 0.0,
        "failures": 0,
        "mtbf_hours": 0.0,
        "censored": True,
        "downtime_hours": 0.0,
    }


def test_mtbf_trend_counts_quarters_from_installation():
    trend = statistics.mtbf_trend(
        log(), [1], ts("2027-01-15"), quarters=4, installed={1: dt.date(2026, 8, 1)}
    )
    # 2026 Q1, Q2 before installation: 0 h; Q3 from 08-01 = 61 days; Q4 = 92 days
    assert trend.loc[1, "quarters"] == [0.0, 0.0, 61 * 24.0, 92 * 24.0]
    # Only Q4 is a whole quarter of run time: one point, no slope (Q3 is cut by the
    # installation: 1,464 h of a 2,208 h quarter, a short lower bound, not a trend).
    assert math.isnan(trend.loc[1, "slope_hours_per_quarter"])


@pytest.mark.parametrize(
    ("installed", "as_of"),
    [(dt.date(2025, 9, 29), "2026-07-15"), (dt.date(2025, 12, 1), "2026-10-15")],
)
def test_a_failure_free_asset_installed_recently_is_flat_not_improving(installed, as_of):
    """Installed 2025-09-29 (48 h of 2025 Q3, the first trend quarter) or 2025-12-01 (a
    month of 2025 Q4): quarters cut by the installation stay out of the slope (they read
    [48, 2208, 2160, 2184] h: +38 %/quarter, "improving", if they counted). The whole
    quarters of a failure-free asset differ only by their lengths (90–92 days): flat."""
    trend = statistics.mtbf_trend(log(), [1], ts(as_of), quarters=4, installed={1: installed}).loc[
        1
    ]
    assert trend["quarters"][0] < 800  # the cut quarter is there, as a short lower bound
    assert trend["direction"] == "flat"
    assert abs(trend["pct_per_quarter"]) < 5


def test_mtbf_trend_of_an_asset_installed_in_the_last_quarter_has_no_slope():
    trend = statistics.mtbf_trend(
        log(), [1], ts("2027-01-15"), quarters=4, installed={1: dt.date(2026, 11, 1)}
    ).loc[1]
    assert math.isnan(trend["slope_hours_per_quarter"])
    assert (trend["pct_per_quarter"], trend["direction"]) == (None, "flat")


def test_mtbf_trend_leaves_failures_before_installation_out():
    failures = log(
        (1, "2026-03-01", "2026-03-01"),  # before installation: outside the span
        (1, "2026-09-01", "2026-09-01"),  # 31 days = 744 h after installation
        (1, "2026-11-01", "2026-11-01"),  # 92 days = 2,208 h after it
    )
    row = statistics.mtbf_trend(
        failures, [1], ts("2027-01-15"), quarters=4, installed={1: dt.date(2026, 8, 1)}
    ).loc[1]
    assert row["failures"] == 2
    assert row["quarter_censored"] == [True, True, False, False]
    assert row["quarter_installed"] == [False, False, True, True]
    # Crow-AMSAA from installation: T = 2026-08-01 → 2027-01-01 = 153 days = 3,672 h
    beta = 2 / (math.log(3672 / 744) + math.log(3672 / 2208))
    assert row["crow_amsaa_beta"] == pytest.approx(beta)


def test_time_between_failures_censors_from_installation():
    table = statistics.time_between_failures(
        log(), YEAR_START, YEAR_END, asset_ids=[1], installed={1: dt.date(2026, 7, 1)}
    )
    assert list(table.itertuples(index=False, name=None)) == [(1, 4416.0, False)]


def orders(*rows) -> pd.DataFrame:
    """Rows of (work_order_id, asset_id, kind, started_at, completed_at)."""
    frame = pd.DataFrame(
        rows, columns=["work_order_id", "asset_id", "kind", "started_at", "completed_at"]
    )
    for column in ("started_at", "completed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="mixed")
    return frame


def test_mttr_counts_failures_and_unlinked_repairs_and_says_how_many_lack_a_time():
    failures = log(
        (1, "2026-02-01 08:00", "2026-02-01 11:00"),  # 3 h from its own end
        (1, "2026-03-01 08:00", None),  # no end: its work order 20 took 5 h
        (1, "2026-04-01 08:00", None),  # no end, no work order: unknown
        (2, "2026-05-01 08:00", None, True),  # open: no repair time yet
        (2, "2026-06-01 08:00", "2026-06-01 09:00"),  # one event on two rows: the
        (2, "2026-06-01 08:00", "2026-06-01 10:00"),  # later end counts, 2 h
    ).assign(work_order_id=[None, 20, None, None, None, None])
    work = orders(
        (20, 1, "corrective", "2026-03-01 09:00", "2026-03-01 14:00"),  # linked: no 2nd count
        (21, 1, "emergency", "2026-07-01 00:00", "2026-07-01 04:00"),  # unlinked: 4 h
        (22, 2, "corrective", None, "2026-07-02 00:00"),  # unlinked, no start: unknown
        (23, 2, "preventive", "2026-07-03 00:00", "2026-07-03 09:00"),  # not a repair
    )
    result = metrics.mttr(work, YEAR_START, YEAR_END, failures)
    # events: 5 failures + work orders 21 and 22 = 7; times 3, 5, 2, 4 → 14 ÷ 4 = 3.5 h
    assert result == {"hours": 3.5, "count": 4, "events": 7, "without_time": 3}
    by_asset = metrics.mttr_by_asset(work, YEAR_START, YEAR_END, failures)
    # asset 1: 3, 5, 4 h of 4 events → 4 h; asset 2: 2 h of 3 events
    assert by_asset.to_dict("index") == {
        1: {"hours": 4.0, "count": 3, "events": 4},
        2: {"hours": 2.0, "count": 1, "events": 3},
    }


# --- the database and the pipeline -------------------------------------------------------


def test_the_database_takes_zero_durations_and_refuses_an_open_failure_with_an_end(db):
    asset = AssetFactory()
    moment = dt.datetime(2026, 3, 1, 8, tzinfo=UTC)
    FailureEventFactory(asset=asset, started_at=moment, ended_at=moment)
    assert FailureEvent.objects.get().ended_at == moment
    with pytest.raises(IntegrityError, match="failure_open_has_no_end"), transaction.atomic():
        FailureEventFactory(asset=asset, started_at=moment, ended_at=moment, is_open=True)


def test_as_of_read_counts_a_failure_ended_later_as_open(db):
    asset = AssetFactory()
    FailureEventFactory(
        asset=asset,
        started_at=dt.datetime(2026, 12, 31, 12, tzinfo=UTC),
        ended_at=dt.datetime(2027, 1, 2, tzinfo=UTC),  # after the as-of day
    )
    FailureEventFactory(
        asset=asset, started_at=dt.datetime(2026, 6, 1, tzinfo=UTC), ended_at=None
    )  # no end, not open: unknown duration
    frame = failure_frame(FailureEvent.objects.all(), YEAR_START, YEAR_END)
    assert sorted(zip(frame["started_at"].dt.month, frame["is_open"], strict=True)) == [
        (6, False),
        (12, True),
    ]
    figures = asset_reliability_figures(asset.pk, dt.date(2026, 12, 31))
    # trailing 365 days to the end of 2026-12-31 = the year 2026: 12 h down (the open one)
    assert figures["mtbf"]["downtime_hours"] == 12.0
    assert figures["mtbf"]["hours"] == (YEAR_HOURS - 12) / 2
    assert figures["mttr"] == {"hours": None, "count": 0, "events": 2, "without_time": 2}


def test_asset_installed_mid_window_in_site_time(db):
    asset = AssetFactory(installed_on=dt.date(2026, 7, 1))  # site in America/Detroit (UTC−4)
    inputs = asset_reliability_inputs(asset.pk, dt.date(2026, 12, 31))
    assert inputs.installed == {asset.pk: ts("2026-07-01 04:00")}
    figures = asset_reliability_figures(asset.pk, dt.date(2026, 12, 31))
    assert figures["mtbf"]["operating_hours"] == 4416.0 - 4  # from 04:00 UTC on 07-01
    assert figures["mtbf"]["censored"] is True


FAILURE_LOG = (
    "site,asset,started_at,ended_at,open,work_order\n"
    "site-a,P-1,2026-02-01T08:00:00Z,2026-02-01T10:00:00Z,,\n"  # 2 h
    "site-a,P-1,2026-03-01T08:00:00Z,,,\n"  # no end: unknown duration
    "site-a,P-1,2026-04-01T08:00:00Z,,no,WO-9\n"  # no end: its work order took 3 h
    "site-a,P-1,2026-05-01T08:00:00Z,,,\n"
    "site-a,P-1,2026-12-31T20:00:00Z,,yes,\n"  # open: down 4 h to the window end
    "site-a,P-1,2026-06-01T08:00:00Z,2026-06-01T09:00:00Z,yes,\n"  # open and ended: refused
)


@pytest.fixture
def load(tmp_path):
    counter = iter(range(100))

    def _load(kind, text):
        path = tmp_path / f"{kind}-{next(counter)}.csv"
        path.write_text(text, encoding="utf-8")
        return batch_ingest_file(path=path, kind=kind, user=None)

    return _load


def test_failure_log_without_end_times_through_ingest_and_recompute(world, load, settings):
    """Site A holds the world's M-1 (Tier 1, no failure), P-1 and P-2 (no failure)."""
    settings.INGEST_FUTURE_TOLERANCE_SECONDS = 400 * 86400  # the log runs to 2026-12-31
    site = world.site_a
    line = LineFactory(site=site, code="l1")
    asset = AssetFactory(site=site, line=line, code="P-1", tier=1)
    AssetFactory(site=site, line=line, code="P-2", tier=2)  # never fails
    WorkOrderFactory(
        asset=asset,
        external_id="WO-9",
        opened_at=dt.datetime(2026, 4, 1, 8, tzinfo=UTC),
        started_at=dt.datetime(2026, 4, 1, 9, tzinfo=UTC),
        completed_at=dt.datetime(2026, 4, 1, 12, tzinfo=UTC),
    )
    batch = load("failure_events", FAILURE_LOG)
    assert (batch.status, batch.rows_inserted, batch.rows_rejected) == (Status.DONE, 5, 1)
    assert list(batch.rejected_rows.values_list("line", "field")) == [(7, "open")]
    assert FailureEvent.objects.filter(is_open=True).count() == 1
    assert FailureEvent.objects.filter(ended_at__isnull=True, is_open=False).count() == 3

    snapshot = site_recompute_scores(site_id=site.pk, as_of=dt.date(2026, 12, 31))
    details = snapshot.details
    # P-1: 8,760 − (2 + 4) h = 8,754 h over 5 events; M-1, P-2: 8,760 h each, no failure
    assert details[Detail.MTBF]["fleet_hours"] == (3 * YEAR_HOURS - 6) / 5  # 5,254.8 h
    assert details[Detail.MTBF]["fleet_censored"] is False
    # repairs: 2 h, WO-9's 3 h; two unknown, the open one has no time yet
    assert details[Detail.MTTR] == {"hours": 2.5, "count": 2, "events": 5, "without_time": 3}
    tier1 = {row["code"]: row for row in details[Detail.TIER1]}
    assert (tier1["P-1"]["mtbf_hours"], tier1["P-1"]["mttr_hours"]) == ((YEAR_HOURS - 6) / 5, 2.5)
    assert (tier1["M-1"]["mtbf_hours"], tier1["M-1"]["mtbf_censored"]) == (YEAR_HOURS, True)

    page = client_for(world, "manager_a").get(reverse("scores:site", args=["site-a"]))
    text = " ".join(page.content.decode().split())
    assert "Fleet MTBF 5,255 h (219 d) over 5 failures of 3 assets" in text
    assert "from 2 of 5 repairs; 3 have no repair time" in text


def test_site_page_renders_a_snapshot_stored_before_fleet_mtbf(world):
    site = world.site_a
    site_recompute_scores(site_id=site.pk, as_of=dt.date(2026, 12, 31))
    snapshot = SiteScoreSnapshot.objects.get(site=site)
    for key in ("fleet_hours", "fleet_censored"):
        del snapshot.details[Detail.MTBF][key]
    for key in ("events", "without_time"):
        del snapshot.details[Detail.MTTR][key]
    snapshot.save()
    page = client_for(world, "manager_a").get(reverse("scores:site", args=["site-a"]))
    assert page.status_code == 200
    assert "Fleet MTBF" in page.content.decode()


def test_an_open_failure_is_closed_by_resending_it_with_its_end(world, load):
    AssetFactory(site=world.site_a, line=LineFactory(site=world.site_a), code="P-1")
    header = "site,asset,started_at,ended_at,open\n"
    first = load("failure_events", header + "site-a,P-1,2026-11-02T08:00:00Z,,true\n")
    assert (first.rows_inserted, FailureEvent.objects.get().is_open) == (1, True)
    # the next export has no open column, and gives the end
    again = load(
        "failure_events",
        "site,asset,started_at,ended_at\nsite-a,P-1,2026-11-02T08:00:00Z,2026-11-02T09:30:00Z\n",
    )
    assert (again.rows_updated, again.rows_rejected) == (1, 0)
    event = FailureEvent.objects.get()
    assert (event.is_open, event.ended_at) == (False, dt.datetime(2026, 11, 2, 9, 30, tzinfo=UTC))


def test_an_open_failure_re_sent_without_its_state_or_end_stays_open(world, load):
    """Columns absent from a file are left as they were: a failure log without an ``open``
    column and still without an end does not close a failure known to be open."""
    AssetFactory(site=world.site_a, line=LineFactory(site=world.site_a), code="P-1")
    load("failure_events", "site,asset,started_at,open\nsite-a,P-1,2026-11-02T08:00:00Z,yes\n")
    for text in (
        "site,asset,started_at,ended_at,description\nsite-a,P-1,2026-11-02T08:00:00Z,,seal\n",
        "site,asset,started_at\nsite-a,P-1,2026-11-02T08:00:00Z\n",
    ):
        batch = load("failure_events", text)
        assert batch.rows_rejected == 0
        assert FailureEvent.objects.get().is_open is True


def test_asset_page_tells_an_open_failure_from_an_unrecorded_end(world):
    asset = AssetFactory(site=world.site_a, line=LineFactory(site=world.site_a))
    FailureEventFactory(asset=asset, started_at=dt.datetime(2026, 5, 1, tzinfo=UTC), ended_at=None)
    FailureEventFactory(
        asset=asset, started_at=dt.datetime(2026, 6, 1, tzinfo=UTC), ended_at=None, is_open=True
    )
    page = client_for(world, "manager_a").get(reverse("asset", args=[asset.pk]))
    html = page.content.decode()
    assert html.count("still down") == 1 and html.count("end not recorded") == 1


# --- failures that started before the history, installation in MTTR and the trend -------
# Review of the last commits, defects 1 and 2. As of 2026-11-30 every window ends at
# 2026-12-01 00:00 UTC: the trailing year is [2025-12-01, 2026-12-01) = 365 days = 8,760 h,
# and the history read starts 822 days earlier, on 2024-08-31.

AS_OF = dt.date(2026, 11, 30)


def at(text: str) -> dt.datetime:
    return pd.Timestamp(text, tz="UTC").to_pydatetime()


def test_failures_down_across_the_history_start_are_read(db):
    asset = AssetFactory()
    FailureEventFactory(asset=asset, started_at=at("2024-01-01"), ended_at=None, is_open=True)
    FailureEventFactory(asset=asset, started_at=at("2023-01-01"), ended_at=at("2024-07-01"))
    FailureEventFactory(asset=asset, started_at=at("2023-06-01"), ended_at=None)  # unknown
    straddling = AssetFactory(site=asset.site, line=asset.line)
    FailureEventFactory(
        asset=straddling, started_at=at("2024-06-01"), ended_at=at("2025-12-11")
    )  # ended 10 days into the trailing year
    since = pd.Timestamp("2024-08-31", tz="UTC")
    frame = failure_frame(FailureEvent.objects.all(), since, pd.Timestamp("2026-12-01", tz="UTC"))
    # the open one and the one ended after the history start; not those over before it,
    # nor one with no end that is not open (no downtime to give)
    assert sorted(frame["started_at"].dt.strftime("%Y-%m-%d")) == ["2024-01-01", "2024-06-01"]


def test_a_failure_open_since_long_ago_is_down_all_year_at_the_asset(db):
    asset = AssetFactory()  # no installation date: installed before any window
    FailureEventFactory(asset=asset, started_at=at("2024-01-01"), ended_at=None, is_open=True)
    figures = asset_reliability_figures(asset.pk, AS_OF)
    # down the whole trailing year; it started before the year, so no failure of the year
    assert figures["mtbf"] == {
        "hours": 0.0,
        "censored": True,
        "failures": 0,
        "operating_hours": 0.0,
        "downtime_hours": YEAR_HOURS,
    }
    assert figures["mttr"] == {"hours": None, "count": 0, "events": 0, "without_time": 0}
    # every quarter of the trend is down throughout: censored at 0 h, but installed
    assert figures["trend"]["quarters"] == [0.0, 0.0, 0.0, 0.0]
    assert figures["trend"]["installed"] == [True] * 4


def test_a_failure_ended_in_the_year_after_starting_before_the_history(db):
    asset = AssetFactory()
    FailureEventFactory(asset=asset, started_at=at("2024-06-01"), ended_at=at("2025-12-11"))
    figures = asset_reliability_figures(asset.pk, AS_OF)
    # 2025-12-01 → 2025-12-11 is 240 h down; 8,760 − 240 = 8,520 h run, no failure in it
    assert figures["mtbf"] == {
        "hours": 8520.0,
        "censored": True,
        "failures": 0,
        "operating_hours": 8520.0,
        "downtime_hours": 240.0,
    }


def test_failures_down_across_the_history_start_at_the_site(world):
    site = world.site_a  # holds M-1 (Tier 1, no failure, no installation date)
    line = LineFactory(site=site, code="l1")
    down = AssetFactory(site=site, line=line, code="P-1", tier=1)
    FailureEventFactory(asset=down, started_at=at("2024-01-01"), ended_at=None, is_open=True)
    back = AssetFactory(site=site, line=line, code="P-2", tier=1)
    FailureEventFactory(asset=back, started_at=at("2024-06-01"), ended_at=at("2025-12-11"))
    details = site_recompute_scores(site_id=site.pk, as_of=AS_OF).details
    tier1 = {row["code"]: row for row in details[Detail.TIER1]}
    assert (tier1["P-1"]["mtbf_hours"], tier1["P-1"]["mtbf_censored"]) == (0.0, True)
    assert (tier1["P-2"]["mtbf_hours"], tier1["P-2"]["mtbf_censored"]) == (8520.0, True)
    # no failure of the year: fleet "> Σ operating hours" = M-1 8,760 + P-1 0 + P-2 8,520
    assert details[Detail.MTBF]["failures"] == 0
    assert (details[Detail.MTBF]["fleet_hours"], details[Detail.MTBF]["fleet_censored"]) == (
        YEAR_HOURS + 8520.0,
        True,
    )
    assert details[Detail.MTTR]["events"] == 0


def test_repairs_before_installation_are_outside_the_window():
    failures = log(
        (1, "2026-03-01 08:00", "2026-03-01 08:00"),  # before installation
        (1, "2026-07-01 08:00", "2026-07-01 08:00"),
    )
    work = orders(
        (30, 1, "corrective", "2026-04-01 00:00", "2026-04-01 02:00"),  # before installation
        (31, 1, "emergency", "2026-08-01 00:00", "2026-08-01 03:00"),  # 3 h
    )
    installed = {1: dt.date(2026, 6, 1)}
    result = metrics.mttr(work, YEAR_START, YEAR_END, failures, installed=installed)
    assert result == {"hours": 1.5, "count": 2, "events": 2, "without_time": 0}  # 0 h and 3 h
    by_asset = metrics.mttr_by_asset(work, YEAR_START, YEAR_END, failures, installed=installed)
    assert by_asset.to_dict("index") == {1: {"hours": 1.5, "count": 2, "events": 2}}
    later = metrics.mttr(work, YEAR_START, YEAR_END, failures, installed={1: dt.date(2027, 6, 1)})
    assert later == {"hours": None, "count": 0, "events": 0, "without_time": 0}
    # counted per quarter as MTBF counts them
    labels = ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert metrics.failures_per_quarter(failures, labels, installed=installed) == [0, 0, 1, 0]
    assert metrics.failures_per_quarter(failures, labels) == [1, 0, 1, 0]


def test_the_repair_of_a_failure_before_installation_is_no_repair_either():
    """Installed 2026-03-01: the failure of 02-25 is no event of the asset's life, so its
    work order (completed 03-02, after the installation) is not a repair event of its own."""
    failures = log((1, "2026-02-25 08:00", "2026-02-27 08:00"))
    failures["work_order_id"] = [40]
    work = orders((40, 1, "corrective", "2026-02-25 09:00", "2026-03-02 08:00"))
    result = metrics.mttr(work, YEAR_START, YEAR_END, failures, installed={1: dt.date(2026, 3, 1)})
    assert result == {"hours": None, "count": 0, "events": 0, "without_time": 0}


def test_a_work_order_completed_before_its_failure_began_is_not_its_repair():
    """A failure of 07-01 with no end, linked to an order completed on 06-20: the order's
    23 h are not this failure's repair time (it is unknown)."""
    failures = log((1, "2026-07-01 08:00", None))
    failures["work_order_id"] = [41]
    work = orders((41, 1, "corrective", "2026-06-19 09:00", "2026-06-20 08:00"))
    result = metrics.mttr(work, YEAR_START, YEAR_END, failures)
    assert result == {"hours": None, "count": 0, "events": 1, "without_time": 1}


def installed_asset(day: dt.date, **place):
    """The review's repro: zero-duration failures on 2026-03-01 and 2026-07-01 (site in
    America/Detroit: installation starts at 04:00 UTC)."""
    asset = AssetFactory(installed_on=day, **place)
    for moment in ("2026-03-01 08:00", "2026-07-01 08:00"):
        FailureEventFactory(asset=asset, started_at=at(moment), ended_at=at(moment))
    return asset


def test_mttr_and_trend_of_an_asset_installed_mid_year(db):
    figures = asset_reliability_figures(installed_asset(dt.date(2026, 6, 1)).pk, AS_OF)
    # 2026-06-01 04:00 → 2026-12-01 is 183 days less 4 h = 4,388 h, one failure
    assert (figures["mtbf"]["failures"], figures["mtbf"]["hours"]) == (1, 4388.0)
    assert figures["mttr"] == {"hours": 0.0, "count": 1, "events": 1, "without_time": 0}
    trend = figures["trend"]
    assert trend["quarter_labels"] == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    # Q2 from 06-01 04:00 to 07-01 = 716 h, no failure; Q3 92 days = 2,208 h, 1 failure
    assert trend["quarters"] == [0.0, 0.0, 716.0, 2208.0]
    assert trend["censored"] == [True, True, True, False]
    assert trend["installed"] == [False, False, True, True]
    assert trend["failures_per_quarter"] == [0, 0, 0, 1]  # not the 03-01 one in 2026Q1
    chart = charts.mtbf_trend_chart(
        "t", trend=trend, failures=trend["failures_per_quarter"], window_label="w"
    )
    bars = chart["plot"]["data"][0]
    # chart text is escaped for Plotly (core.charts): "&gt;" is drawn as ">"
    assert bars["text"] == ["not installed", "not installed", "&gt; 716 h", "2,208 h"]
    assert bars["y"] == [None, None, 716.0, 2208.0]
    muted, accent = COLORS["muted"], COLORS["accent"]
    assert bars["marker"]["color"] == [muted, muted, muted, accent]
    assert chart["rows"] == [
        ["2025Q4", "not installed", "", "before installation"],
        ["2026Q1", "not installed", "", "before installation"],
        ["2026Q2", "> 716 h", "0", "lower bound: no failure"],
        ["2026Q3", "2,208 h", "1", ""],
    ]


def test_mttr_and_trend_of_an_asset_installed_after_the_window(db):
    figures = asset_reliability_figures(installed_asset(dt.date(2027, 6, 1)).pk, AS_OF)
    assert (figures["mtbf"]["failures"], figures["mtbf"]["censored"]) == (0, True)
    assert figures["mttr"] == {"hours": None, "count": 0, "events": 0, "without_time": 0}
    trend = figures["trend"]
    assert trend["installed"] == [False] * 4
    assert trend["failures_per_quarter"] == [0, 0, 0, 0]
    chart = charts.mtbf_trend_chart(
        "t", trend=trend, failures=trend["failures_per_quarter"], window_label="w"
    )
    assert chart["plot"]["data"][0]["text"] == ["not installed"] * 4
    assert [row[2] for row in chart["rows"]] == [""] * 4


def test_asset_page_shows_quarters_before_installation(world):
    site = world.site_a
    asset = installed_asset(dt.date(2026, 6, 1), site=site, line=LineFactory(site=site))
    page = client_for(world, "manager_a").get(
        reverse("asset", args=[asset.pk]), {"end": AS_OF.isoformat()}
    )
    text = " ".join(page.content.decode().split())
    assert "MTTR from 1 of 1 repair." in text
    assert (
        "3 of 4 quarters without failure count as their lower bound (2 before installation" in text
    )
    assert "not installed" in text
