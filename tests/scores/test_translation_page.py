"""The translation table: each site's figures beside their executive sentences (SPEC §5)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scores.models import SiteScoreSnapshot
from tests.factories import SiteFactory, StandardFactory
from tests.people import client_for

pytestmark = pytest.mark.django_db

URL_Q = "/portfolios/q/translation/"
URL_P = "/portfolios/p/translation/"


def snapshot(site, as_of, **figures):
    """A hand-made snapshot whose windows read "trailing 12 months to <as_of>"."""
    label = f"trailing 12 months to {as_of}"
    details = figures.pop("details", {})
    details.setdefault("windows", {})
    for name in ("penalty_exposure", "oee", "cm_coverage"):
        details["windows"].setdefault(name, {"label": label})
    return SiteScoreSnapshot.objects.create(
        site=site,
        as_of=as_of,
        computed_at=timezone.now(),
        standard_version=1,
        details=details,
        **figures,
    )


def signed_in(world, name):
    client = Client()
    client.force_login(world.user(name))
    return client


def rows_of(response, site_name):
    [item] = [s for s in response.context["sites"] if s["site"].name == site_name]
    return {row["metric"]: row for row in item["rows"]}


# Only those who see portfolio Q as a whole: its director and executives. People at sites
# (even Q's, had there been one) and P's director get 404; no session: sign in.
STATUS_Q = {
    "anonymous": 302,
    "tech_a": 404,
    "tech_b": 404,
    "manager_a": 404,
    "director_p": 404,
    "director_q": 200,
    "executive": 200,
    "integrator_a": 302,
}


@pytest.mark.parametrize("name", list(STATUS_Q))
def test_who_sees_the_translation_table(world, name):
    response = client_for(world, name).get(URL_Q)
    assert response.status_code == STATUS_Q[name]
    if name == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_site_people_do_not_see_their_own_portfolio_table(world):
    """Technicians and managers at site A see their site, not portfolio P as a whole."""
    for name in ("tech_a", "manager_a"):
        assert signed_in(world, name).get(URL_P).status_code == 404
    assert signed_in(world, "director_p").get(URL_P).status_code == 200


def test_a_hand_made_snapshot_reads_as_sentences(world):
    """Exposure 310,000 → "$310,000"; coverage 0.75 against the default 0.90 floor leaves
    1 − 0.75 = 25 % unmonitored; OEE 0.62 loses 1 − 0.62 = 38 %."""
    snapshot(
        world.site_c,
        dt.date(2026, 9, 30),
        penalty_exposure=Decimal("310000"),
        oee=0.62,
        details={"maturity": {"values": {"cm_coverage": 0.75}}},
    )
    response = signed_in(world, "director_q").get(URL_Q)
    rows = rows_of(response, "Site C")
    assert list(rows) == ["penalty_exposure", "cm_coverage", "oee"]  # unknown figures: no row
    assert rows["penalty_exposure"]["display"] == "$310,000"
    assert rows["penalty_exposure"]["sentence"] == (
        "Site C carries $310,000 in annual OEM penalty exposure (trailing 12 months to 2026-09-30)."
    )
    assert rows["penalty_exposure"]["window"] == "trailing 12 months to 2026-09-30"
    assert rows["cm_coverage"]["sentence"] == (
        "Site C monitors 75 % of its Tier 1 assets against a 90 % standard: failures on "
        "the other 25 % arrive without warning (trailing 12 months to 2026-09-30)."
    )
    assert rows["oee"]["sentence"].startswith("Site C runs at 62 % OEE: 38 % of its planned")
    html = response.content.decode()
    assert '<th scope="col">Sentence (executive language)</th>' in html
    assert "Site C carries $310,000 in annual OEM penalty exposure" in html
    assert "scores as of 2026-09-30, standard v1" in html


def test_the_sentence_follows_the_portfolio_standard(world):
    """The coverage floor comes from the portfolio's standard: at 0.70, 0.75 meets it."""
    StandardFactory(portfolio=world.portfolio_q, min_cm_coverage_tier1=Decimal("0.700"))
    snapshot(
        world.site_c,
        dt.date(2026, 9, 30),
        details={"maturity": {"values": {"cm_coverage": 0.75}}},
    )
    rows = rows_of(signed_in(world, "executive").get(URL_Q), "Site C")
    assert rows["cm_coverage"]["sentence"].startswith(
        "Site C monitors 75 % of its Tier 1 assets, meeting the 70 % standard"
    )


def test_as_of_picks_the_latest_snapshot_on_or_before_that_day(world):
    """Snapshots of 2026-06-30 ($200,000) and 2026-09-30 ($310,000): no filter → the
    latest; as_of 2026-08-15 → June's; as_of 2026-09-30 → September's (on the day counts);
    as_of 2026-01-01 → none yet, said so."""
    snapshot(world.site_c, dt.date(2026, 6, 30), penalty_exposure=Decimal("200000"))
    snapshot(world.site_c, dt.date(2026, 9, 30), penalty_exposure=Decimal("310000"))
    client = signed_in(world, "director_q")

    def exposure(query):
        rows = rows_of(client.get(URL_Q + query), "Site C")
        return rows["penalty_exposure"]["display"] if rows else None

    assert exposure("") == "$310,000"
    assert exposure("?as_of=2026-08-15") == "$200,000"
    assert exposure("?as_of=2026-09-30") == "$310,000"
    assert exposure("?as_of=2026-01-01") is None
    html = client.get(URL_Q + "?as_of=2026-01-01").content.decode()
    assert "No scores yet for Site C on or before 2026-01-01" in html
    assert 'value="2026-01-01"' in html


def test_a_bad_date_says_so_and_shows_the_latest(world):
    snapshot(world.site_c, dt.date(2026, 6, 30), penalty_exposure=Decimal("200000"))
    snapshot(world.site_c, dt.date(2026, 9, 30), penalty_exposure=Decimal("310000"))
    response = signed_in(world, "director_q").get(URL_Q + "?as_of=30/09/2026")
    assert response.status_code == 200
    assert response.context["as_of"] is None
    assert "is not a date (YYYY-MM-DD); showing the latest" in response.context["as_of_error"]
    assert "showing the latest." in response.content.decode()
    assert rows_of(response, "Site C")["penalty_exposure"]["display"] == "$310,000"


def test_sites_without_scores_get_an_empty_state_row(world):
    """Site A has a snapshot, Site B none: B's row says what is missing and how to get it."""
    snapshot(world.site_a, dt.date(2026, 9, 30), penalty_exposure=Decimal("5000"))
    response = signed_in(world, "director_p").get(URL_P)
    sites = response.context["sites"]
    assert [(s["site"].name, s["snapshot"] is not None) for s in sites] == [
        ("Site A", True),
        ("Site B", False),
    ]
    html = response.content.decode()
    assert "No scores yet for Site B: scores are computed after each ingest and nightly." in html
    assert "No scores yet for Site A" not in html


def test_query_count_does_not_grow_with_sites(world, django_assert_max_num_queries):
    """Two sites or six, each with a snapshot: the same number of queries (session, user,
    memberships, portfolio, standard, sites, snapshots with site/portfolio/standard)."""
    day = dt.date(2026, 9, 30)
    for site in (world.site_a, world.site_b):
        snapshot(site, day, penalty_exposure=Decimal("1000"), oee=0.8)
    client = signed_in(world, "executive")
    client.get(URL_P)
    with CaptureQueriesContext(connection) as two_sites:
        client.get(URL_P)
    for n in range(4):
        extra = SiteFactory(portfolio=world.portfolio_p, name=f"Site X{n}")
        snapshot(extra, day, penalty_exposure=Decimal("1000"), oee=0.8)
    with django_assert_max_num_queries(7), CaptureQueriesContext(connection) as six_sites:
        response = client.get(URL_P)
    assert len(response.context["sites"]) == 6
    assert all(len(s["rows"]) == 2 for s in response.context["sites"])
    assert len(six_sites.captured_queries) == len(two_sites.captured_queries)
