"""The portfolio and site pages: figures read from hand-made snapshots, the capital plan
with a budget, filters in the URL, empty states, access and pinned query counts."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from scores.models import CapitalProposal, SiteScoreSnapshot
from tests.factories import PortfolioFactory, SiteFactory
from tests.people import client_for

NOW = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 1)
EARLIER = dt.date(2026, 7, 31)  # on or before 2026-08-01, one quarter before TODAY


def snapshot(site, as_of, *, exposure, addressable, coverage, spend, revenue, **extra):
    """A snapshot with the figures and the ``details`` the pages read."""
    details = {
        "windows": {
            "penalty_exposure": {"label": f"trailing 12 months to {as_of}"},
            "cm_coverage": {"label": f"sensors reporting in the 24 h to the end of {as_of}"},
            "changeover": {"label": f"last 4 changeover windows to {as_of}"},
            "mtbf_trend": {"label": f"4 quarters to {as_of}"},
            "oee": {"label": f"trailing 12 months to {as_of}"},
            "mtbf": {"label": f"trailing 12 months to {as_of}"},
        },
        "maturity": {
            "values": {
                "cm_coverage": coverage,
                "changeover_utilization": 0.85,
                "mtbf_trend_pct": -4.0,
                "penalty_events_2q": 1,
            }
        },
        "maintenance_cost": {"spend": spend, "revenue": revenue, "source": "work orders"},
        "production_sums": {
            "planned_minutes": 1000.0,
            "run_minutes": 900.0,
            "ideal_minutes": 810.0,
            "total_count": 100.0,
            "good_count": 90.0,
        },
        "addressable_exposure": {"avoidable": addressable * 0.8},
        "revenue_at_risk": extra.pop("relationships", []),
        "early_warnings": extra.pop("warnings", []),
        "gaps": [],
        "tier1": extra.pop("tier1", []),
    }
    return SiteScoreSnapshot.objects.create(
        site=site,
        as_of=as_of,
        computed_at=NOW,
        standard_version=1,
        penalty_exposure=Decimal(exposure),
        addressable_exposure=Decimal(addressable),
        cm_coverage_score=coverage * 100,
        maturity_composite=extra.pop("composite", 60.0),
        risk_tier="medium",
        oee=0.729,
        details=details,
        **extra,
    )


@pytest.fixture
def scored(world):
    """Portfolio P: site A scored now and last quarter, site B now; both have proposals."""
    a, b = world.site_a, world.site_b
    snapshot(
        a,
        EARLIER,
        exposure=200_000,
        addressable=50_000,
        coverage=0.5,
        spend=1_000_000,
        revenue=100_000_000,
        composite=50.0,
    )
    snapshot(
        a,
        TODAY,
        exposure=300_000,
        addressable=120_000,
        coverage=0.95,
        spend=2_000_000,
        revenue=100_000_000,
        composite=70.0,
        relationships=[
            {
                "relationship_id": 991,
                "customer": "Northway Motors",
                "annual_revenue": 18_000_000,
                "probability": 0.35,
                "revenue_at_risk": 6_300_000,
            }
        ],
        warnings=[
            {
                "kind": "exposure_rising",
                "latest": 150_000,
                "previous": 50_000,
                "quarter": "2026Q3",
                "previous_quarter": "2026Q2",
            }
        ],
        tier1=[
            {
                "asset_id": world.asset_a.pk,
                "code": "M-1",
                "name": "Press motor",
                "failures": 0,
                "mtbf_hours": 8760.0,
                "mtbf_censored": True,
                "mttr_hours": None,
                "p_failure_12m": 0.25,
                "value_at_risk": 42_000.0,
            }
        ],
    )
    snapshot(
        b,
        TODAY,
        exposure=100_000,
        addressable=0,
        coverage=0.5,
        spend=1_000_000,
        revenue=50_000_000,
        composite=40.0,
    )
    CapitalProposal.objects.create(site=a, amount=Decimal("60000"), description="A program")
    CapitalProposal.objects.create(site=b, amount=Decimal("50000"), description="B program")
    return world


def tiles(response) -> dict:
    return {t["key"]: t for t in response.context["tiles"]}


def test_headline_tiles_add_the_sites_latest_snapshots(scored):
    response = client_for(scored, "director_p").get(reverse("scores:portfolio", args=["p"]))
    assert response.status_code == 200
    figures = tiles(response)
    # 300,000 (A today) + 100,000 (B today)
    assert figures["penalty_exposure"]["value"] == pytest.approx(400_000)
    # (120,000 + 0) ÷ 400,000
    assert figures["addressable_share"]["value"] == pytest.approx(0.30)
    # (2,000,000 + 1,000,000) spend ÷ (100,000,000 + 50,000,000) revenue = 2 %
    assert figures["maintenance_cost_pct_revenue"]["value"] == pytest.approx(0.02)
    # OEE from the summed sums: A = 900/1000 × 810/900 × 90/100 = 0.729, same for B.
    assert figures["oee"]["value"] == pytest.approx(0.729)
    # One quarter earlier (2026-08-01) only A was scored (2026-07-31), so the change is
    # like for like, A alone: exposure 200,000 → 300,000 = +100,000, worse; B is new.
    assert figures["penalty_exposure"]["change"] == pytest.approx(100_000)
    assert figures["penalty_exposure"]["direction"] == "worse"
    # A's addressable share 50,000 ÷ 200,000 = 25 % → 120,000 ÷ 300,000 = 40 %: +15 points.
    assert figures["addressable_share"]["change"] == pytest.approx(0.15)
    assert figures["addressable_share"]["direction"] == "better"
    html = response.content.decode()
    assert "$400,000" in html and "+$100,000" in html and "+15.0 pts" in html
    assert "changes against 2026-08-01" in html and "first scored since: Site B" in html
    assert "trailing 12 months, as of 2026-11-01" in html
    assert "Portfolio P carries $400,000 in annual OEM penalty exposure." in html


def test_headline_figures_are_the_apis(scored):
    """The page and GET /api/v1/portfolios/<id>/figures/ call the same roll-up."""
    client = client_for(scored, "director_p")
    page = tiles(client.get(reverse("scores:portfolio", args=["p"])))
    api = client.get(f"/api/v1/portfolios/{scored.portfolio_p.pk}/figures/").json()
    for key in (
        "penalty_exposure",
        "addressable_share",
        "revenue_at_risk",
        "production_value_at_risk",
        "maintenance_cost_pct_revenue",
        "oee",
    ):
        assert api[key] == page[key]["value"], key
    assert api["penalty_exposure"] == 400_000
    bad = client.get(f"/api/v1/portfolios/{scored.portfolio_p.pk}/figures/?as_of=soon")
    assert bad.status_code == 400 and "as_of" in bad.json()


def test_capital_priority_and_what_a_budget_funds(scored):
    client = client_for(scored, "director_p")
    response = client.get(reverse("scores:portfolio", args=["p"]) + "?budget=60000")
    rows = response.context["page"].capital
    # A avoids 120,000 × 0.8 = 96,000 a year for 60,000: 1.6 per dollar; B avoids 0.
    assert [r["site"].code for r in rows] == ["site-a", "site-b"]
    assert rows[0]["avoided_per_dollar"] == pytest.approx(1.6)
    # Payback 60,000 ÷ (96,000 ÷ 12) = 7.5 months; cumulative 60,000 then 110,000.
    assert rows[0]["payback_months"] == pytest.approx(7.5)
    assert [r["cumulative_investment"] for r in rows] == [60_000, 110_000]
    assert [r["within_budget"] for r in rows] == [True, False]
    html = response.content.decode()
    assert "7.5 months" in html and "Funded by $60,000" in html and "Not funded" in html


def test_maturity_matrix_colours_each_dimension_against_the_standard(scored):
    response = client_for(scored, "director_p").get(reverse("scores:portfolio", args=["p"]))
    rows = {r["site"].code: r["status"] for r in response.context["page"].sites}
    # Coverage 0.95 ≥ 0.90 meets; 0.5 is a gap. MTBF trend −4 %/quarter is declining: gap.
    assert rows["site-a"]["cm_coverage"] == "meets"
    assert rows["site-b"]["cm_coverage"] == "gap"
    assert rows["site-a"]["mtbf_trend"] == "gap"
    assert rows["site-a"]["penalty_frequency"] == "meets"  # 1 event ≤ 2 tolerated
    html = response.content.decode()
    assert re.search(r'class="num meets"[^>]*>95\.0<', html)


def test_history_rolls_up_each_quarter_end(scored):
    response = client_for(scored, "director_p").get(
        reverse("scores:portfolio", args=["p"]) + "?quarters=4"
    )
    points = {p["day"]: p["figures"] for p in response.context["page"].history}
    assert len(points) == 5  # 4 quarter ends and today
    assert points[dt.date(2026, 6, 30)] is None  # no snapshot yet
    # On 2026-09-30 the newest snapshot is A's of 2026-07-31.
    assert float(points[dt.date(2026, 9, 30)]["penalty_exposure"]) == 200_000
    assert float(points[TODAY]["penalty_exposure"]) == 400_000
    # The composite applies the equal weights to the mean of the sites' dimension scores.
    # On 2026-09-30 only A: its one known dimension, coverage 0.5 → 50.0. Today: coverage
    # scores (95 + 50) ÷ 2 = 72.5, the only dimension the snapshots have.
    assert points[dt.date(2026, 9, 30)]["maturity_composite"] == pytest.approx(50.0)
    assert points[TODAY]["maturity_composite"] == pytest.approx(72.5)
    assert response.context["charts"]["history"]["rows"][-1] == ["2026-11-01", "$400,000", "72.5"]


def test_as_of_shows_the_snapshots_of_that_day(scored):
    client = client_for(scored, "director_p")
    response = client.get(reverse("scores:portfolio", args=["p"]) + "?as_of=2026-10-15")
    assert tiles(response)["penalty_exposure"]["value"] == pytest.approx(200_000)
    assert "as of 2026-07-31" in response.content.decode()


@pytest.mark.parametrize(
    "query, message",
    [
        ("as_of=yesterday", "as_of: 'yesterday' is not a date"),
        ("budget=lots", "budget: 'lots' is not an amount"),
        ("budget=-5", "budget: must be an amount of zero or more"),
        ("budget=inf", "budget: must be an amount of zero or more"),
        ("as_of=0001-01-01", "as_of: 0001-01-01 is outside 1970–2199"),
        ("quarters=99", "quarters: must be between 1 and 20"),
    ],
)
def test_a_bad_filter_is_named_and_the_default_used(scored, query, message):
    response = client_for(scored, "director_p").get(
        reverse("scores:portfolio", args=["p"]) + "?" + query
    )
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")


def test_relationships_and_warnings_from_the_snapshots(scored):
    response = client_for(scored, "director_p").get(reverse("scores:portfolio", args=["p"]))
    html = response.content.decode()
    assert "Northway Motors" in html and "$6.3M" in html and "35 %" in html
    assert "penalty exposure rose to $150,000 in 2026Q3 from $50,000 in 2026Q2" in html


def test_empty_portfolio_says_what_is_missing(db):
    from tests.factories import UserFactory

    PortfolioFactory(code="empty", name="Empty")
    user = UserFactory(username="op", is_superuser=True, is_staff=True)
    from django.test import Client

    client = Client()
    client.force_login(user)
    html = client.get(reverse("scores:portfolio", args=["empty"])).content.decode()
    assert "This portfolio has no sites yet" in html


def test_a_portfolio_without_scores_explains_how_they_come(world):
    html = (
        client_for(world, "director_p")
        .get(reverse("scores:portfolio", args=["p"]))
        .content.decode()
    )
    assert "No site of this portfolio has scores" in html
    assert "No site has a proposed investment yet" in html


@pytest.mark.parametrize(
    "name, status",
    [
        ("director_p", 200),
        ("executive", 200),
        ("director_q", 404),
        ("tech_a", 404),
        ("manager_a", 404),
        ("anonymous", 302),
    ],
)
def test_who_sees_the_portfolio_page(scored, name, status):
    response = client_for(scored, name).get(reverse("scores:portfolio", args=["p"]))
    assert response.status_code == status


def test_portfolio_page_queries_do_not_grow_with_sites(
    scored, django_assert_max_num_queries, django_assert_num_queries
):
    client = client_for(scored, "director_p")
    url = reverse("scores:portfolio", args=["p"])
    client.get(url)
    with django_assert_num_queries(11) as first:
        client.get(url)
    for n in range(4):
        site = SiteFactory(portfolio=scored.portfolio_p, code=f"extra-{n}")
        snapshot(site, TODAY, exposure=1, addressable=0, coverage=1.0, spend=1, revenue=10)
        CapitalProposal.objects.create(site=site, amount=Decimal("1000"))
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url)


# --- Home ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, target",
    [
        ("director_p", "/portfolios/p/"),
        ("executive", "/portfolios/p/"),
        ("tech_a", "/sites/site-a/"),
    ],
)
def test_home_lands_on_the_right_dashboard(world, name, target):
    response = client_for(world, name).get("/")
    assert response.status_code == 302 and response["Location"] == target


# --- Site page ----------------------------------------------------------------------------


def test_site_page_reads_the_latest_snapshot(scored):
    response = client_for(scored, "tech_a").get(reverse("scores:site", args=["site-a"]))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.snapshot.as_of == TODAY
    # Payback 60,000 ÷ (120,000 × 0.8 ÷ 12) = 7.5 months.
    assert page.payback_months == pytest.approx(7.5)
    html = response.content.decode()
    assert "Site A carries $300,000 in annual OEM penalty exposure" in html
    assert "7.5 months" in html
    assert "&gt; 8,760 h (365 d)" in html  # censored MTBF of the Tier 1 asset
    assert reverse("asset", args=[scored.asset_a.pk]) in html
    # A technician does not see the portfolio as a whole: no link to it.
    assert reverse("scores:portfolio", args=["p"]) not in html


def test_site_page_as_of_picks_an_older_snapshot(scored):
    response = client_for(scored, "director_p").get(
        reverse("scores:site", args=["site-a"]) + "?as_of=2026-10-01"
    )
    assert response.context["page"].snapshot.as_of == EARLIER
    assert "Site A carries $200,000" in response.content.decode()


def test_site_without_scores_explains_how_they_come(world):
    html = (
        client_for(world, "manager_a").get(reverse("scores:site", args=["site-a"])).content.decode()
    )
    assert "has no scores" in html and "Data in" in html


@pytest.mark.parametrize(
    "name, status",
    [
        ("tech_a", 200),
        ("manager_a", 200),
        ("director_p", 200),
        ("executive", 200),
        ("tech_b", 404),
        ("director_q", 404),
        ("anonymous", 302),
    ],
)
def test_who_sees_the_site_page(scored, name, status):
    response = client_for(scored, name).get(reverse("scores:site", args=["site-a"]))
    assert response.status_code == status


def test_site_page_query_count_is_pinned(scored, django_assert_num_queries):
    from tests.factories import PenaltyFactory, RelationshipFactory

    relationship = RelationshipFactory(site=scored.site_a)
    for day in range(5):
        PenaltyFactory(relationship=relationship, incurred_on=TODAY - dt.timedelta(days=day))
    client = client_for(scored, "director_p")
    url = reverse("scores:site", args=["site-a"])
    client.get(url)
    # 12, and 2 for the work orders of the period (their totals, the latest rows).
    with django_assert_num_queries(16):
        client.get(url)


def test_the_figures_api_reads_any_day_and_hides_what_you_may_not_see(scored):
    """The API takes any ISO day (no page arithmetic around it); a portfolio you may not
    see is 404 before its parameters are read."""
    url = f"/api/v1/portfolios/{scored.portfolio_p.pk}/figures/"
    early = client_for(scored, "director_p").get(url, {"as_of": "0001-01-01"})
    assert early.status_code == 200 and early.json()["sites"] == 0
    assert client_for(scored, "director_q").get(url, {"as_of": "soon"}).status_code == 404
    bad = client_for(scored, "director_p").get(url, {"as_of": "soon"})
    assert bad.json() == {"as_of": "as_of: 'soon' is not a date (YYYY-MM-DD)."}
