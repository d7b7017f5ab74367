"""The asset page: readings charts with zones, thresholds and alert markers over a window in
the URL, the asset's alerts, work and failures, hand-worked MTBF/MTTR and their trend (the
same numbers as the site recompute), the recurring-failure recommendation, access and the
pinned query count."""

import datetime as dt
import json
import math
import re
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reliability import metrics, rollups, statistics, views
from reliability.models import Alert, FailureEvent, FailureMode, Reading, WorkOrder
from reliability.selectors import (
    asset_recurring_failure_recommendations,
    asset_reliability_inputs,
    recurring_failure_recommendations,
)
from scores.charts import COLORS
from tests.factories import AssetFactory, SensorFactory
from tests.people import client_for

UTC = dt.UTC
END = dt.date(2026, 10, 31)  # the day of the latest reading: the page's default end


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def history(world):
    """Site A's asset (motor, ISO group 2, rigid) with a vibration and a temperature sensor,
    a year of readings (hourly in October 2026, daily before), failures, work orders and
    alerts."""
    asset = world.asset_a
    vib = SensorFactory(asset=asset, code="vib-de", metric="vibration_velocity_rms")
    temp = SensorFactory(asset=asset, code="temp", metric="temperature")
    readings = []
    for day in range(365):
        noon = at(2025, 11, 1, 12) + dt.timedelta(days=day)
        if noon < at(2026, 10, 1):
            readings += [
                Reading(sensor=vib, measured_at=noon, value=2.0),
                Reading(sensor=temp, measured_at=noon, value=60.0),
            ]
    for hour in range(31 * 24):
        moment = at(2026, 10, 1) + dt.timedelta(hours=hour)
        readings += [
            Reading(sensor=vib, measured_at=moment, value=2.0 + (hour % 5) / 10),
            Reading(sensor=temp, measured_at=moment, value=60.0),
        ]
    Reading.objects.bulk_create(readings, batch_size=5000)
    rollups.rebuild([vib.pk, temp.pk])

    bearing = FailureMode.objects.get(code="bearing-wear")
    repair = WorkOrder.objects.create(
        site=world.site_a,
        asset=asset,
        external_id="WO-1",
        kind="corrective",
        opened_at=at(2026, 3, 10, 8),
        started_at=at(2026, 3, 10, 9),
        completed_at=at(2026, 3, 10, 12),  # 3 h
        downtime_minutes=120,
        parts_cost=Decimal("1200"),
        labour_cost=Decimal("300"),
    )
    WorkOrder.objects.create(
        site=world.site_a,
        asset=asset,
        external_id="WO-2",
        kind="emergency",
        opened_at=at(2026, 8, 5, 12),
        started_at=at(2026, 8, 5, 12),
        completed_at=at(2026, 8, 5, 18),  # 6 h
        downtime_minutes=240,
    )
    WorkOrder.objects.create(  # preventive: not a repair, not in MTTR
        site=world.site_a,
        asset=asset,
        external_id="WO-3",
        kind="preventive",
        opened_at=at(2026, 6, 1, 6),
        started_at=at(2026, 6, 1, 6),
        completed_at=at(2026, 6, 1, 16),
    )
    WorkOrder.objects.create(  # completed before the 12-month window: not in MTTR
        site=world.site_a,
        asset=asset,
        external_id="WO-4",
        kind="corrective",
        opened_at=at(2025, 6, 1, 8),
        started_at=at(2025, 6, 1, 8),
        completed_at=at(2025, 6, 1, 20),
    )
    FailureEvent.objects.create(  # 2 h
        asset=asset,
        started_at=at(2026, 3, 10, 8),
        ended_at=at(2026, 3, 10, 10),
        failure_mode=bearing,
        work_order=repair,
        production_lost_units=340,
    )
    FailureEvent.objects.create(  # 4 h
        asset=asset, started_at=at(2026, 8, 5, 12), ended_at=at(2026, 8, 5, 16)
    )
    FailureEvent.objects.create(  # before the window: listed, not counted
        asset=asset, started_at=at(2025, 6, 1, 8), ended_at=at(2025, 6, 1, 9)
    )

    def alert(metric, detected, zone, status="closed", rule="zone"):
        closed = {"closed_at": detected, "resolution": "confirmed_fault"}
        return Alert.objects.create(
            asset=asset,
            metric=metric,
            rule=rule,
            detected_at=detected,
            first_zone=zone,
            worst_zone=zone,
            status=status,
            **(closed if status == "closed" else {}),
        )

    alert("vibration_velocity_rms", at(2026, 9, 1, 6), "C")  # before the 30-day window
    alert("vibration_velocity_rms", at(2026, 10, 20, 10, 30), "D")
    alert("vibration_velocity_rms", at(2026, 10, 25, 14), "C", status="open")
    alert("temperature", at(2026, 10, 22, 9, 15), "", status="open", rule="threshold")
    return {"asset": asset, "vib": vib, "temp": temp}


def page(world, user="tech_a", asset=None, **params):
    asset = asset or world.asset_a
    return client_for(world, user).get(reverse("asset", args=[asset.pk]), params)


def figure_json(response, figure_id: str) -> dict:
    """The Plotly figure as the browser gets it, from its json_script."""
    html = response.content.decode()
    found = re.search(
        rf'<script id="{figure_id}-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, f"no figure {figure_id} in the page"
    return json.loads(found.group(1))


def test_mtbf_and_mttr_are_hand_worked(world, history):
    response = page(world, end=END.isoformat())
    assert response.status_code == 200
    figures = response.context["reliability"]
    # Window [2025-11-01, 2026-11-01): 365 days = 8760 h. Two failures start in it, down
    # 2 h + 4 h: MTBF = (8760 − 6) ÷ 2 = 4377 h. The 2025-06-01 failure is outside.
    assert figures["window"] == "trailing 12 months to 2026-10-31"
    assert figures["mtbf"]["hours"] == pytest.approx(4377.0)
    assert figures["mtbf"]["failures"] == 2 and not figures["mtbf"]["censored"]
    # MTTR: the two failures (2 h, 4 h; WO-1 is linked to the first, so it is not counted
    # again) and the unlinked emergency WO-2 (6 h): (2 + 4 + 6) ÷ 3 = 4 h (the preventive
    # order and the corrective one of 2025-06-01 do not count).
    assert figures["mttr"] == {"hours": 4.0, "count": 3, "events": 3, "without_time": 0}
    html = response.content.decode()
    assert "4,377 h (182 d)" in html  # 4377 ÷ 24 = 182.4 days
    assert "4.0 h" in html and "trailing 12 months to 2026-10-31" in html
    assert "MTTR from 3 of 3 repairs." in html


def test_mtbf_trend_over_four_quarters_is_hand_worked(world, history):
    trend = page(world, end=END.isoformat()).context["reliability"]["trend"]
    # End 2026-10-31 → the 4 complete quarters 2025Q4..2026Q3. MTBF per quarter (h):
    # Q4 2025: 92 d = 2208 h, no failure → 2208 (censored); Q1 2026: 2160 − 2 = 2158;
    # Q2: 2184 (censored); Q3: 2208 − 4 = 2204. Mean 2188.5; slope over x = 0..3:
    # Σ(x − 1.5)(v − 2188.5) ÷ Σ(x − 1.5)² = (−29.25 + 15.25 − 2.25 + 23.25) ÷ 5 = 1.4 h.
    assert trend["window"] == "4 quarters 2025Q4–2026Q3 (complete quarters to 2026-10-31)"
    assert trend["slope_hours_per_quarter"] == pytest.approx(1.4)
    assert trend["pct_per_quarter"] == pytest.approx(1.4 / 2188.5 * 100)
    assert trend["direction"] == "flat" and trend["censored_quarters"] == 2
    # Crow-AMSAA over 2025-10-01..2026-10-01 (8760 h): failures at 160 d 8 h = 3848 h and
    # 308 d 12 h = 7404 h: β = 2 ÷ (ln(8760/3848) + ln(8760/7404)) = 2 ÷ 0.9908 ≈ 2.019.
    beta = 2 / (math.log(8760 / 3848) + math.log(8760 / 7404))
    assert trend["crow_amsaa_beta"] == pytest.approx(beta)
    chart = trend["chart"]
    assert chart["rows"] == [
        ["2025Q4", "> 2,208 h", "0", "lower bound: no failure"],
        ["2026Q1", "2,158 h", "1", ""],
        ["2026Q2", "> 2,184 h", "0", "lower bound: no failure"],
        ["2026Q3", "2,204 h", "1", ""],
    ]


def test_figures_are_the_site_recomputes(world, history):
    """The page reads the asset's inputs as the site recompute reads the site's, so the
    same functions give the same numbers."""
    from scores.selectors import site_scoring_inputs

    asset_id = history["asset"].pk
    site = site_scoring_inputs(world.site_a.pk, END)
    mine = asset_reliability_inputs(asset_id, END)
    assert list(mine.failures.columns) == list(site.failures.columns)
    assert list(mine.work_orders.columns) == list(site.work_orders.columns)
    start = site.window_end - pd.Timedelta(days=365)
    site_mtbf = metrics.mtbf(site.failures, [asset_id], start, site.window_end)
    site_trend = statistics.mtbf_trend(site.failures, [asset_id], END, quarters=4)
    figures = page(world, end=END.isoformat()).context["reliability"]
    assert figures["mtbf"]["hours"] == site_mtbf.at[asset_id, "mtbf_hours"]
    assert figures["trend"]["pct_per_quarter"] == site_trend.at[asset_id, "pct_per_quarter"]


def test_failures_per_quarter_marks_the_censored_quarters():
    failures = pd.DataFrame(
        {
            "asset_id": [1, 1, 1],
            "started_at": pd.to_datetime(
                ["2026-01-01 00:00", "2026-01-01 00:00", "2026-06-30 23:00"], utc=True
            ),
        }
    )
    # Two rows with one start are one event; [2026-04-01, 2026-07-01) holds 06-30 23:00.
    assert metrics.failures_per_quarter(failures, ["2025Q4", "2026Q1", "2026Q2"]) == [0, 1, 1]
    assert metrics.failures_per_quarter(pd.DataFrame(), ["2026Q1"]) == [0]
    with pytest.raises(ValueError, match="2026-Q1"):
        metrics.failures_per_quarter(failures, ["2026-Q1"])


def test_vibration_chart_has_the_iso_zone_bands(world, history):
    response = page(world)
    shapes = figure_json(response, f"readings-{history['vib'].pk}")["layout"]["shapes"]
    bands = [(s["y0"], s["y1"], s["fillcolor"]) for s in shapes if s["type"] == "rect"]
    # ISO 20816-3 group 2, rigid: A/B 1.4, B/C 2.8, C/D 4.5 mm/s.
    assert bands[:3] == [
        (0.0, 1.4, COLORS["zone_a"]),
        (1.4, 2.8, COLORS["zone_b"]),
        (2.8, 4.5, COLORS["zone_c"]),
    ]
    assert bands[3][0] == 4.5 and bands[3][1] > 4.5 and bands[3][2] == COLORS["zone_d"]


def test_zone_bands_follow_the_asset_overrides_as_alerts_do(world, history):
    type(history["asset"]).objects.filter(pk=history["asset"].pk).update(
        zone_ab_override=2.0, zone_bc_override=3.5, zone_cd_override=6.0
    )
    shapes = figure_json(page(world), f"readings-{history['vib'].pk}")["layout"]["shapes"]
    edges = [s["y0"] for s in shapes if s["type"] == "rect"]
    assert edges == [0.0, 2.0, 3.5, 6.0]


def test_temperature_chart_has_the_class_thresholds(world, history):
    shapes = figure_json(page(world), f"readings-{history['temp'].pk}")["layout"]["shapes"]
    levels = [(s["y0"], s["line"]["color"]) for s in shapes if s.get("yref") == "y"]
    # A motor: warning 80 °C, alarm 95 °C (condition.CLASS_THRESHOLDS, as alerting uses).
    assert levels == [(80.0, COLORS["warning"]), (95.0, COLORS["danger"])]


def test_alert_markers_sit_at_detection_times(world, history):
    response = page(world)  # 30 days: [2026-10-02, 2026-11-01)
    vibration = figure_json(response, f"readings-{history['vib'].pk}")
    [markers] = [t for t in vibration["data"] if t["name"] == "alert detected"]
    # The 2026-09-01 alert is before the window; temperature alerts go on their own chart.
    assert markers["x"] == ["2026-10-20 10:30", "2026-10-25 14:00"]
    lines = [s["x0"] for s in vibration["layout"]["shapes"] if s.get("xref") == "x"]
    assert lines == markers["x"]
    assert "zone D" in markers["text"][0] and "closed" in markers["text"][0]
    temperature = figure_json(response, f"readings-{history['temp'].pk}")
    [temp_markers] = [t for t in temperature["data"] if t["name"] == "alert detected"]
    assert temp_markers["x"] == ["2026-10-22 09:15"]


def test_chart_draws_mean_line_and_min_max_band_with_its_table(world, history):
    response = page(world, window="7d")  # [2026-10-25, 2026-11-01): 168 hourly roll-ups
    chart = response.context["readings"][0]
    assert chart["window"] == "7 days to 2026-10-31 (UTC) · hourly roll-ups"
    assert chart["columns"] == ["Time (UTC)", "Mean (mm/s)", "Min (mm/s)", "Max (mm/s)"]
    assert len(chart["rows"]) == 168
    # Hour 0 of 2026-10-25 is hour 24 × 24 = 576 of October: 2.0 + (576 mod 5) ÷ 10 = 2.1.
    assert chart["rows"][0] == ["2026-10-25", "2.10", "2.10", "2.10"]
    mean, band = chart["plot"]["data"][2], chart["plot"]["data"][1]
    assert mean["name"] == "mean" and band["fill"] == "tonexty"


@pytest.mark.parametrize(
    ("window", "source", "reads_raw"),
    [
        ("3d", "raw readings", True),
        ("7d", "hourly roll-ups", False),
        ("90d", "hourly roll-ups", False),
        ("365d", "daily roll-ups", False),
    ],
)
def test_windows_over_three_days_never_read_the_readings_table(
    world, history, window, source, reads_raw
):
    with CaptureQueriesContext(connection) as queries:
        response = page(world, window=window)
    days = window[:-1]
    assert response.context["readings"][0]["window"].startswith(
        f"{days} days to 2026-10-31 (UTC) · {source}"
    )
    raw = [q["sql"] for q in queries if 'FROM "reliability_reading"' in q["sql"]]
    assert bool(raw) == reads_raw


def test_window_parsing():
    default = dt.date(2026, 10, 31)
    assert views.asset_window({}, default) == (30, default, [])
    assert views.asset_window({"window": "7d"}, default) == (7, default, [])
    assert views.asset_window({"window": "365d", "end": "2026-03-31"}, default) == (
        365,
        dt.date(2026, 3, 31),
        [],
    )
    for bad in ("bad", "0d", "366d", "7", "-7d"):
        days, end, problems = views.asset_window({"window": bad}, default)
        assert (days, end) == (30, default) and "showing 30d" in problems[0]
    for bad in ("2026-02-30", "yesterday", "0001-01-01"):
        days, end, problems = views.asset_window({"end": bad}, default)
        assert (days, end) == (30, default) and f"End {bad!r}" in problems[0]


def test_bad_window_values_show_a_message_not_an_error(world, history):
    response = page(world, window="12y", end="2026-13-01")
    assert response.status_code == 200
    assert response.context["window"] == "30d" and response.context["end"] == END
    html = response.content.decode()
    assert "Window &#x27;12y&#x27; is not a number of days" in html
    assert "End &#x27;2026-13-01&#x27; is not a date" in html


def test_end_in_the_url_moves_every_window(world, history):
    response = page(world, window="7d", end="2026-10-15")
    assert response.context["readings"][0]["window"].startswith("7 days to 2026-10-15 (UTC)")
    # The 12-month window now ends 2026-10-16 00:00 and still holds both failures.
    assert response.context["reliability"]["window"] == "trailing 12 months to 2026-10-15"
    html = response.content.decode()
    assert 'value="2026-10-15"' in html and '<option value="7d" selected>' in html


def test_lists_show_latest_rows_with_counts_and_links(world, history):
    response = page(world)
    alerts = response.context["alerts"]
    assert alerts["count"] == 4
    assert [a["detected_at"] for a in alerts["rows"]][0] == at(2026, 10, 25, 14)
    html = response.content.decode()
    newest = Alert.objects.get(detected_at=at(2026, 10, 25, 14))
    assert reverse("reliability:alert", args=[newest.pk]) in html
    assert '<span class="badge zone-C">zone C</span> warning' in html
    assert response.context["work_orders"]["count"] == 4
    assert "$1,500" in html  # WO-1: parts 1,200 + labour 300
    failures = response.context["failures"]
    assert failures["count"] == 3
    newest_failure = failures["rows"][0]
    assert newest_failure["duration_hours"] == pytest.approx(4.0)
    assert failures["rows"][1]["work_order_number"] == "WO-1"
    assert failures["rows"][1]["mode"] == FailureMode.objects.get(code="bearing-wear").name
    # The link to all the asset's alerts lists all 4, closed ones too.
    link = response.context["alerts_link"]
    assert link.startswith(reverse("reliability:alerts") + "?")
    listed = client_for(world, "tech_a").get(link)
    assert listed.context["page"].paginator.count == 4


def test_header_links_to_the_site(world, history):
    html = page(world).content.decode()
    assert f'href="{reverse("scores:site", args=[world.site_a.code])}"' in html
    assert "Group 2 (15–300 kW), rigid foundation" in html
    assert "<h1>M-1 · " in html


def test_empty_states_explain_what_is_missing(world):
    bare = AssetFactory(line=world.asset_a.line, code="M-2")
    response = page(world, asset=bare, end="2026-10-31")
    html = response.content.decode()
    assert "This asset has no active sensor" in html
    assert "No alerts on this asset" in html
    assert "No work orders on this asset" in html
    assert "No failure events on this asset" in html
    # No failure in 8760 h: MTBF is censored at the operating time, never infinite.
    figures = response.context["reliability"]
    assert figures["mtbf"]["censored"] and figures["mtbf"]["hours"] == 8760.0
    assert "&gt; 8,760 h (365 d)" in html
    assert figures["mttr"] == {"hours": None, "count": 0, "events": 0, "without_time": 0}


def test_sensor_without_readings_in_the_window_says_how_to_load_them(world, history):
    response = page(world, end="2024-06-30")
    chart = response.context["readings"][0]
    assert chart["empty"].startswith("No readings from vib-de in the 30 days to 2024-06-30")
    assert reverse("ingest:batches") in chart["empty"]
    assert chart["empty"] in response.content.decode()


def test_default_end_without_readings_is_today(world):
    bare = AssetFactory(line=world.asset_a.line, code="M-3")
    assert page(world, asset=bare).context["end"] == timezone.now().date()


def test_recurring_failure_recommendation_for_this_asset(world):
    asset, mode = world.asset_a, FailureMode.objects.get(code="bearing-wear")
    start = (timezone.now() - dt.timedelta(weeks=60)).replace(microsecond=0)
    for cycle, onset_week in enumerate([8, 8, 9, None]):
        cycle_start = start + dt.timedelta(weeks=12 * cycle)
        WorkOrder.objects.create(
            site=world.site_a,
            asset=asset,
            external_id=f"PM-{cycle}",
            kind="preventive",
            opened_at=cycle_start,
            completed_at=cycle_start,
        )
        if onset_week is None:
            continue
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
    user = world.user("manager_a")
    mine = asset_recurring_failure_recommendations(user, asset.pk)
    everywhere = recurring_failure_recommendations(user)
    assert mine == [p for p in everywhere if p["asset_id"] == asset.pk]
    assert mine[0]["recommended_weeks"] == 6  # onsets in weeks 8, 8, 9 of 12: 8 − 2
    html = page(world, "manager_a").content.decode()
    assert "propose a PM every <strong>6 weeks</strong>" in html
    assert asset_recurring_failure_recommendations(world.user("tech_b"), asset.pk) == []


# Site A's asset: people who see site A get in, the others 404 (its existence is not
# revealed); anonymous and the token-only integrator are sent to sign in. Read-only: 405.
EXPECTED = {
    "anonymous": 302,
    "tech_a": 200,
    "tech_b": 404,
    "manager_a": 200,
    "director_p": 200,
    "director_q": 404,
    "executive": 200,
    "integrator_a": 302,
}


@pytest.mark.parametrize(("user", "status"), EXPECTED.items())
def test_who_gets_in(world, user, status):
    url = reverse("asset", args=[world.asset_a.pk])
    response = client_for(world, user).get(url, {"end": "2026-10-31"})
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))
    assert client_for(world, user).post(url).status_code == 405


def test_integrator_with_a_session_is_refused_pages(world):
    client = client_for(world, "anonymous")
    client.force_login(world.user("integrator_a"))
    assert client.get(reverse("asset", args=[world.asset_a.pk])).status_code == 403


def test_unknown_asset_is_404(world):
    assert client_for(world, "executive").get(reverse("asset", args=[999999])).status_code == 404


def test_query_count_is_pinned(world, history, django_assert_max_num_queries):
    """Two sensors, four alerts, four work orders, three failures: the count does not grow
    with rows (each list is one query), only with sensors (two queries a chart)."""
    client = client_for(world, "tech_a")
    url = reverse("asset", args=[history["asset"].pk])
    client.get(url)  # the session and the user's memberships are read as on any page
    # 18, and 2 for the work orders of the period (their totals, the latest rows).
    with django_assert_max_num_queries(20):
        assert client.get(url, {"window": "365d"}).status_code == 200


def test_reliability_is_as_of_today_unless_an_end_day_is_asked(world, history):
    """The chart ends at the last reading by default; MTBF and MTTR do not: an asset whose
    sensors went quiet still counts its later failures."""
    today = timezone.now().date()
    assert page(world).context["reliability"]["window"] == f"trailing 12 months to {today}"
