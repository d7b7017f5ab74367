"""OEM relationship and customer pages: the hand-worked trend and band, the snapshot's
probability on the page, penalties per quarter and one by one, empty states, scoping,
query counts; and the pure helpers they use (oem.metrics page helpers)."""

import datetime as dt
import math
from decimal import Decimal

import pandas as pd
import pytest
from freezegun import freeze_time

from oem import selectors
from oem.metrics import (
    ScoringError,
    projection_band,
    revenue_at_risk,
    revenue_at_risk_total,
    scorecard_projection,
    scorecards_known_on,
    sdp_probability,
)
from reliability.models import FailureMode
from scores.services import site_recompute_scores
from tests.factories import (
    FailureEventFactory,
    OEMCustomerFactory,
    PenaltyFactory,
    RelationshipFactory,
    ScorecardFactory,
)
from tests.people import client_for

PHI_2 = 0.9772498680518208  # Φ(2)
SNAPSHOT_DAY = dt.date(2026, 1, 15)  # complete quarters up to 2025Q4
TODAY = "2026-01-20"  # penalty window: 8 quarters 2024Q2–2026Q1
DECLINE = [(2025, 1, 80), (2025, 2, 78), (2025, 3, 76), (2025, 4, 74)]


def scores(rows):
    return pd.DataFrame(rows, columns=["year", "quarter", "score"])


# --- pure helpers ---------------------------------------------------------------------------


def test_hand_worked_projection_and_band():
    """x = 0 1 2 3, y = 80 78 76 74; x̄ 1.5, ȳ 77; Sxy = (−1.5)(3) + (−.5)(1) + (.5)(−1)
    + (1.5)(−3) = −10, Sxx = 2.25 + .25 + .25 + 2.25 = 5 → slope −2 per quarter,
    intercept 77 − (−2)(1.5) = 80; residuals all 0 → residual std 0 < floor → σ = 2.
    Projection 4 quarters after the last (x = 3 + 4 = 7): 80 − 2 × 7 = 66 in 2026Q4.
    Band ± σ: centre(h) = 80 − 2 (3 + h) = 74 72 70 68 66, low = centre − 2, high + 2.
    Threshold 70: P = Φ((70 − 66) ÷ 2) = Φ(2) = 0.97725."""
    projection = scorecard_projection(scores(DECLINE), horizon_quarters=4)
    assert projection["slope_per_quarter"] == pytest.approx(-2.0)
    assert projection["intercept"] == pytest.approx(80.0)
    assert projection["projected"] == pytest.approx(66.0)
    assert projection["residual_std"] == pytest.approx(0.0, abs=1e-12)
    assert projection["sigma"] == 2.0
    assert (projection["projected_year"], projection["projected_quarter"]) == (2026, 4)

    band = projection_band(projection)
    assert [row["label"] for row in band] == ["2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert [row["centre"] for row in band] == pytest.approx([74, 72, 70, 68, 66])
    assert [row["low"] for row in band] == pytest.approx([72, 70, 68, 66, 64])
    assert [row["high"] for row in band] == pytest.approx([76, 74, 72, 70, 68])
    assert band[-1]["centre"] == pytest.approx(projection["projected"])
    assert sdp_probability(projection["projected"], 70, projection["sigma"]) == pytest.approx(PHI_2)


def test_band_keeps_a_missing_quarter_as_time_and_scales_with_z():
    """Scores 2025Q1 = 80, 2025Q3 = 76 (Q2 missing): x = 0, 2 → slope −2, intercept 80,
    x_last = 2; horizon 1: centre(0) = 76, centre(1) = 80 − 2 × 3 = 74. n = 2 → σ = floor
    2; z = 1.5 → half width 3: 71 … 77."""
    projection = scorecard_projection(scores([(2025, 1, 80), (2025, 3, 76)]), horizon_quarters=1)
    band = projection_band(projection, z=1.5)
    assert [(row["label"], row["centre"]) for row in band] == [("2025Q3", 76.0), ("2025Q4", 74.0)]
    assert (band[1]["low"], band[1]["high"]) == pytest.approx((71.0, 77.0))
    assert projection_band(None) == []
    with pytest.raises(ScoringError):
        projection_band(projection, z=-1)


@pytest.mark.parametrize(
    ("as_of", "last_kept"),
    [
        (dt.date(2026, 11, 1), "2026Q3"),  # 2026Q4 under way: not known yet
        (dt.date(2026, 9, 30), "2026Q3"),  # last day of Q3: Q3 is complete
        (dt.date(2026, 9, 29), "2026Q2"),
        (dt.date(2026, 1, 1), "2025Q4"),  # across the year
    ],
)
def test_scorecards_known_on_keeps_complete_quarters(as_of, last_kept):
    frame = scores([(2025, 4, 1), (2026, 1, 2), (2026, 2, 3), (2026, 3, 4), (2026, 4, 5)])
    kept = scorecards_known_on(frame, as_of)
    assert f"{kept['year'].iloc[-1]}Q{kept['quarter'].iloc[-1]}" == last_kept
    assert scorecards_known_on(scores([]), as_of).empty


def test_revenue_at_risk_total_leaves_unknown_out():
    """100 + 50.5 = 150.5 over 2 known, 1 unknown (None) not read as 0."""
    assert revenue_at_risk_total([100.0, None, 50.5]) == {"total": 150.5, "known": 2, "unknown": 1}
    assert revenue_at_risk_total([None, float("nan")]) == {"total": None, "known": 0, "unknown": 2}
    assert revenue_at_risk_total([]) == {"total": None, "known": 0, "unknown": 0}


# --- data -----------------------------------------------------------------------------------


@pytest.fixture
def northway(world):
    """Customer Northway with a relationship at each of sites A, B and C. At A: the
    DECLINE scorecards (threshold 70, $18M), three penalties, a snapshot as of
    SNAPSHOT_DAY. At C ($52M): scorecards 90, 90 (flat), a penalty. At B: nothing yet."""
    customer = OEMCustomerFactory(code="northway", name="Northway Motors")
    at_a = RelationshipFactory(
        customer=customer,
        site=world.site_a,
        annual_revenue=Decimal("18000000"),
        sdp_threshold_score=Decimal("70"),
    )
    at_b = RelationshipFactory(customer=customer, site=world.site_b)
    at_c = RelationshipFactory(
        customer=customer, site=world.site_c, annual_revenue=Decimal("52000000")
    )
    for year, quarter, score in DECLINE:
        ScorecardFactory(relationship=at_a, year=year, quarter=quarter, score=Decimal(score))
    for quarter in (3, 4):
        ScorecardFactory(relationship=at_c, year=2025, quarter=quarter, score=Decimal("90"))
    mode = FailureMode.objects.get(code="bearing-wear")  # from the failure-mode catalogue
    assert mode.detectable_by_condition_monitoring
    failure = FailureEventFactory(asset=world.asset_a, failure_mode=mode)
    PenaltyFactory(
        relationship=at_a,
        invoice_reference="NW-1",
        incurred_on=dt.date(2025, 5, 10),
        amount=Decimal("85000"),
        reason="Line stop at Northway Flint",
        failure_event=failure,
    )
    PenaltyFactory(relationship=at_a, incurred_on=dt.date(2025, 6, 30), amount=Decimal("15000"))
    PenaltyFactory(relationship=at_a, incurred_on=dt.date(2025, 10, 1), amount=Decimal("40000"))
    PenaltyFactory(relationship=at_a, incurred_on=dt.date(2024, 3, 31), amount=Decimal("5000"))
    PenaltyFactory(relationship=at_c, incurred_on=dt.date(2025, 11, 3), amount=Decimal("7000"))
    snapshot = site_recompute_scores(site_id=world.site_a.pk, as_of=SNAPSHOT_DAY)
    return {"a": at_a, "b": at_b, "c": at_c, "snapshot": snapshot, "mode": mode}


def get(world, name, url):
    with freeze_time(TODAY):
        return client_for(world, name).get(url)


def trace(chart, name):
    """The trace called ``name``, or else the one whose name starts with it."""
    data = chart["plot"]["data"]
    exact = [t for t in data if t["name"] == name]
    return exact[0] if exact else next(t for t in data if t["name"].startswith(name))


# --- relationship page ----------------------------------------------------------------------


def test_relationship_page_shows_the_snapshots_probability(world, northway):
    """The snapshot stored Φ(2) = 0.97725 and 18,000,000 × 0.97725 = 17,590,498 at risk;
    the page shows those ("98 %", "$17.6M"), and the light selector (this relationship's
    rows only) and the site-wide contributions agree with the snapshot exactly."""
    rel = northway["a"]
    stored = next(
        row
        for row in northway["snapshot"].details["revenue_at_risk"]
        if row["relationship_id"] == rel.pk
    )
    assert stored["probability"] == pytest.approx(PHI_2)
    assert stored["revenue_at_risk"] == pytest.approx(18_000_000 * PHI_2)

    response = get(world, "director_p", f"/oem/relationships/{rel.pk}/")
    assert response.status_code == 200
    assert response.context["stored"]["probability"] == stored["probability"]
    assert response.context["risk"]["probability"] == stored["probability"]
    assert not response.context["stale"]
    html = response.content.decode()
    assert "98 %" in html and "$17.6M" in html
    assert "snapshot as of 2026-01-15" in html
    assert (
        "The $18M Northway Motors relationship is at 98 % probability of entering SDP review "
        "without corrective action (within 4 quarters, by 2026Q4)." in html
    )

    light = selectors.relationship_risk(
        rel, selectors.relationship_scorecards(rel.pk), SNAPSHOT_DAY
    )
    assert light["probability"] == stored["probability"]
    assert light["revenue_at_risk"] == pytest.approx(stored["revenue_at_risk"], rel=1e-12)


def test_scorecard_chart_has_threshold_trend_and_band(world, northway):
    """Threshold 70 across the axis 2025Q1–2026Q4; trend 80 78 76 74 over the 4 points
    used; projection 74 → 66 with band 72–76 … 64–68 (± σ = 2)."""
    response = get(world, "tech_a", f"/oem/relationships/{northway['a'].pk}/")
    chart = response.context["charts"]["scorecards"]
    layout = chart["plot"]["layout"]
    assert layout["xaxis"]["categoryarray"] == [
        "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"
    ]  # fmt: skip
    threshold = trace(chart, "SDP threshold")
    assert (threshold["x"], threshold["y"]) == (["2025Q1", "2026Q4"], [70.0, 70.0])
    assert trace(chart, "Scorecard score")["y"] == [80.0, 78.0, 76.0, 74.0]
    assert trace(chart, "Least-squares trend")["y"] == pytest.approx([80, 78, 76, 74])
    assert trace(chart, "Projection ±")["y"] == pytest.approx([72, 70, 68, 66, 64])
    assert trace(chart, "Projection ±")["fill"] == "tonexty"
    assert trace(chart, "Band upper")["y"] == pytest.approx([76, 74, 72, 70, 68])
    assert trace(chart, "Projection")["y"] == pytest.approx([74, 72, 70, 68, 66])
    # The table behind the chart: last row 2026Q4, projection 66.0, band 64.0–68.0.
    assert chart["rows"][-1] == ["2026Q4", None, None, "66.0", "64.0", "68.0", "70.0"]
    assert 'id="scorecards-data"' in response.content.decode()


def test_a_changed_scorecard_is_flagged_until_the_next_recompute(world, northway):
    """2025Q4 raised from 74 to 90 after the snapshot: the page keeps the snapshot's
    98 % and says the data changed; the chart is drawn from the data now."""
    rel = northway["a"]
    rel.scorecards.filter(year=2025, quarter=4).update(score=Decimal("90"))
    response = get(world, "director_p", f"/oem/relationships/{rel.pk}/")
    assert response.context["stale"]
    html = response.content.decode()
    assert "98 %" in html
    assert "changed after the snapshot of 2026-01-15" in html


def test_penalties_per_quarter_and_table(world, northway):
    """8 quarters to 2026-01-20: 2024Q2 … 2026Q1. 2025Q2 = 85,000 + 15,000 = 100,000;
    2025Q4 = 40,000; the 2024-03-31 invoice (2024Q1) is outside the chart, in the table."""
    response = get(world, "manager_a", f"/oem/relationships/{northway['a'].pk}/")
    chart = response.context["charts"]["penalties"]
    bars = chart["plot"]["data"][0]
    assert bars["x"] == [
        "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"
    ]  # fmt: skip
    assert bars["y"] == [0.0, 0.0, 0.0, 0.0, 100000.0, 0.0, 40000.0, 0.0]
    assert (
        chart["window"]
        == "8 calendar quarters 2024Q2–2026Q1, to 2026-01-20 (current quarter to date)"
    )
    html = response.content.decode()
    assert "4 penalty records, newest first" in html
    assert f'<a href="/assets/{world.asset_a.pk}/">M-1</a> · Bearing wear' in html
    assert "NW-1" in html and "$85,000" in html and "Line stop at Northway Flint" in html
    rows = list(response.context["page"].object_list)
    assert [r["incurred_on"] for r in rows] == [
        dt.date(2025, 10, 1), dt.date(2025, 6, 30), dt.date(2025, 5, 10), dt.date(2024, 3, 31)
    ]  # fmt: skip
    assert [bool(r["detectable"]) for r in rows] == [False, False, True, False]


def test_penalty_table_paginates(world, northway):
    """30 more penalties + 4 = 34 records: 25 on page 1, 9 on page 2."""
    for day in range(30):
        PenaltyFactory(relationship=northway["a"], incurred_on=dt.date(2025, 7, 1 + day))
    url = f"/oem/relationships/{northway['a'].pk}/"
    first = get(world, "tech_a", url).context["page"]
    second = get(world, "tech_a", url + "?page=2").context["page"]
    assert (len(first.object_list), len(second.object_list)) == (25, 9)


def test_relationship_empty_states(world, northway):
    """Site B's relationship: no scorecards, no penalties, no snapshot."""
    html = get(world, "tech_b", f"/oem/relationships/{northway['b'].pk}/").content.decode()
    assert "No scorecards for this relationship yet. Load them at Data in (/ingest/): kind" in html
    assert "No penalties recorded for this relationship." in html
    assert "Scores are computed nightly and after each ingest." in html


def test_penalties_only_outside_the_chart_window(world, northway):
    """One invoice in 2023 at B: the chart (2024Q2–2026Q1) says so, the table lists it."""
    PenaltyFactory(relationship=northway["b"], incurred_on=dt.date(2023, 2, 1))
    html = get(world, "tech_b", f"/oem/relationships/{northway['b'].pk}/").content.decode()
    assert "No penalties in 2024Q2–2026Q1; 1 on record outside these quarters" in html
    assert "1 penalty record, newest first" in html


def test_relationship_links(world, northway):
    html = get(world, "tech_a", f"/oem/relationships/{northway['a'].pk}/").content.decode()
    assert '<a href="/oem/customers/northway/">Northway Motors</a>' in html
    assert '<a href="/sites/site-a/">Site A</a>' in html


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("tech_a", 200),
        ("manager_a", 200),
        ("director_p", 200),
        ("executive", 200),
        ("tech_b", 404),
        ("director_q", 404),
    ],
)
def test_relationship_is_seen_with_its_site(world, northway, name, status):
    assert get(world, name, f"/oem/relationships/{northway['a'].pk}/").status_code == status


def test_relationship_404_and_sign_in(world, northway):
    assert get(world, "executive", "/oem/relationships/999999/").status_code == 404
    response = get(world, "anonymous", f"/oem/relationships/{northway['a'].pk}/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert get(world, "integrator_a", f"/oem/relationships/{northway['a'].pk}/").status_code == 302


def test_relationship_query_count_is_pinned(world, northway, django_assert_max_num_queries):
    """8 scorecards, 34 penalties: 9 queries whatever the rows (session, user, memberships,
    relationship, snapshot, scorecards, page count + rows, the chart's quarters)."""
    rel = northway["a"]
    for quarter in (1, 2, 3, 4):
        ScorecardFactory(relationship=rel, year=2024, quarter=quarter, score=Decimal("85"))
    for day in range(30):
        PenaltyFactory(relationship=rel, incurred_on=dt.date(2025, 7, 1 + day))
    client = client_for(world, "director_p")
    with freeze_time(TODAY), django_assert_max_num_queries(9):
        assert client.get(f"/oem/relationships/{rel.pk}/").status_code == 200


# --- customer page --------------------------------------------------------------------------


def test_customer_page_lists_visible_relationships_with_snapshot_figures(world, northway):
    """The executive sees A, B, C. A's probability is its snapshot's 98 %, $17.6M at risk;
    B and C have no snapshot. Total = 17,590,498 (A only), 1 known, 2 unknown."""
    response = get(world, "executive", "/oem/customers/northway/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["relationship"].site.code for r in rows] == ["site-a", "site-b", "site-c"]
    stored = northway["snapshot"].details["revenue_at_risk"]
    assert rows[0]["risk"] == next(r for r in stored if r["relationship_id"] == northway["a"].pk)
    assert rows[0]["risk"]["probability"] == pytest.approx(PHI_2)
    assert [r["latest_quarter"] for r in rows] == ["2025Q4", None, "2025Q4"]
    assert [r["latest_score"] for r in rows] == [74.0, None, 90.0]
    ((currency, total),) = response.context["totals"]
    assert currency == "USD"
    assert total["total"] == pytest.approx(18_000_000 * PHI_2)
    assert (total["known"], total["unknown"]) == (1, 2)
    html = response.content.decode()
    assert f'<a href="/oem/relationships/{northway["a"].pk}/">Site A</a>' in html
    assert "$17.6M" in html and "98 %" in html


def test_customer_penalties_by_site_stack_per_quarter(world, northway):
    """One trace per site; A: 2025Q2 100,000, 2025Q4 40,000; C: 2025Q4 7,000."""
    response = get(world, "executive", "/oem/customers/northway/")
    (chart,) = response.context["penalty_charts"]
    assert chart["plot"]["layout"]["barmode"] == "stack"
    traces = {t["name"]: t["y"] for t in chart["plot"]["data"]}
    assert traces == {
        "Site A": [0.0, 0.0, 0.0, 0.0, 100000.0, 0.0, 40000.0, 0.0],
        "Site B": [0.0] * 8,
        "Site C": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 7000.0, 0.0],
    }
    assert chart["window"].startswith("8 calendar quarters 2024Q2–2026Q1")


@pytest.mark.parametrize(
    ("name", "sites"),
    [
        ("tech_a", ["site-a"]),
        ("tech_b", ["site-b"]),
        ("manager_a", ["site-a"]),
        ("director_p", ["site-a", "site-b"]),
        ("director_q", ["site-c"]),
        ("executive", ["site-a", "site-b", "site-c"]),
    ],
)
def test_customer_page_shows_only_relationships_at_visible_sites(world, northway, name, sites):
    response = get(world, name, "/oem/customers/northway/")
    assert [r["relationship"].site.code for r in response.context["rows"]] == sites
    html = response.content.decode()
    for code, site_name in (("site-a", "Site A"), ("site-b", "Site B"), ("site-c", "Site C")):
        assert (site_name in html) == (code in sites), site_name


def test_director_q_does_not_see_site_as_money(world, northway):
    """Site A's $17.6M at risk is not in Q's total, table or chart."""
    response = get(world, "director_q", "/oem/customers/northway/")
    html = response.content.decode()
    assert "$17.6M" not in html and "$18M" not in html
    assert [t["name"] for t in response.context["penalty_charts"][0]["plot"]["data"]] == ["Site C"]


def test_customer_404s(world, northway):
    only_at_c = OEMCustomerFactory(code="only-c")
    RelationshipFactory(customer=only_at_c, site=world.site_c)
    assert get(world, "executive", "/oem/customers/nobody/").status_code == 404
    assert get(world, "tech_a", "/oem/customers/only-c/").status_code == 404
    assert get(world, "director_q", "/oem/customers/only-c/").status_code == 200
    response = get(world, "anonymous", "/oem/customers/northway/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_customer_query_count_is_pinned(world, northway, django_assert_max_num_queries):
    """Three relationships at three sites, scorecards, penalties and snapshots at each:
    7 queries: session, user, memberships, relationships, latest scorecards, snapshots,
    penalties."""
    for site in (world.site_b, world.site_c):
        site_recompute_scores(site_id=site.pk, as_of=SNAPSHOT_DAY)
    for rel in (northway["b"], northway["c"]):
        for day in range(5):
            PenaltyFactory(relationship=rel, incurred_on=dt.date(2025, 8, 1 + day))
    client = client_for(world, "executive")
    with freeze_time(TODAY), django_assert_max_num_queries(7):
        response = client.get("/oem/customers/northway/")
    assert response.status_code == 200
    assert all(r["risk"] is not None for r in response.context["rows"])


def test_revenue_at_risk_metric_matches_band_probability():
    """The band's σ is the probability's σ: threshold at the band's low edge (64 at
    2026Q4) ↔ P = Φ((64 − 66) ÷ 2) = Φ(−1) = 0.1587."""
    rels = pd.DataFrame(
        [
            {
                "relationship_id": 1,
                "customer": "N",
                "annual_revenue": 1.0,
                "sdp_threshold_score": 64.0,
                "status": "approved",
            }
        ]
    )
    table = revenue_at_risk(rels, scores(DECLINE).assign(relationship_id=1), 4)
    assert table.loc[1, "probability"] == pytest.approx(0.5 * math.erfc(1 / math.sqrt(2)))
