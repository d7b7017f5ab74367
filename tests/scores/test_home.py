"""The home page: the user's portfolios and sites, scoped by visible_to, escaped, no N+1."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from tests.factories import AssetFactory, LineFactory, SiteFactory, UserFactory
from tests.people import PASSWORD, SITES_SEEN

LOGIN = "/accounts/login/"
EMPTY = "You have no sites yet. Ask an administrator to add you to a site or portfolio."
ALL_SITES = {"site-a": "Site A", "site-b": "Site B", "site-c": "Site C"}

SITES_LISTED = {
    name: seen for name, seen in SITES_SEEN.items() if name not in ("anonymous", "integrator_a")
}


def sign_in(client, username):
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()


def listed_codes(response) -> set[str]:
    return {site.code for site in response.context["sites"]}


@pytest.mark.parametrize(("name", "expected"), SITES_LISTED.items())
def test_each_user_sees_exactly_their_sites(world, client, name, expected):
    """After signing in through the form, the home page lists exactly the user's sites."""
    sign_in(client, name)
    response = client.get("/sites/")
    assert response.status_code == 200
    assert listed_codes(response) == expected
    html = response.content.decode()
    for code, site_name in ALL_SITES.items():
        assert (site_name in html) == (code in expected), site_name
    assert name in html  # the signed-in username in the header


def test_anonymous_is_sent_to_sign_in(world, client):
    """An anonymous visitor to the site list is redirected to the sign-in page."""
    response = client.get("/sites/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/sites/"


def test_sites_are_grouped_by_portfolio(world, client):
    """The executive sees Portfolio P (A, B) then Portfolio Q (C), each under its heading."""
    sign_in(client, "executive")
    html = client.get("/sites/").content.decode()
    positions = [
        html.index(text)
        for text in ("<h2>Portfolio P</h2>", "Site A", "Site B", "<h2>Portfolio Q</h2>", "Site C")
    ]
    assert positions == sorted(positions)


def test_site_row_shows_code_timezone_and_asset_counts(world, client):
    """Each site shows its code, timezone and counts of in-service and Tier 1 assets."""
    line = LineFactory(site=world.site_a)
    AssetFactory(line=line, tier=1)
    AssetFactory(line=line, tier=2)
    AssetFactory(line=line, tier=1, is_active=False)  # retired: not counted
    sign_in(client, "tech_a")
    response = client.get("/sites/")
    (site,) = response.context["sites"]
    assert (site.asset_count, site.tier1_asset_count) == (3, 2)
    html = response.content.decode()
    assert "<code>site-a</code>" in html
    assert world.site_a.timezone in html


def test_user_without_memberships_sees_the_empty_state(db, client):
    """A user with no memberships gets the empty state, not an error."""
    UserFactory(username="newcomer", password=PASSWORD)
    sign_in(client, "newcomer")
    response = client.get("/sites/")
    assert response.status_code == 200
    assert EMPTY in response.content.decode()


def test_only_superusers_get_the_admin_link(world, client):
    """A superuser sees a link to /admin/; the executive does not."""
    sign_in(client, "executive")
    assert 'href="/admin/"' not in client.get("/sites/").content.decode()
    UserFactory(username="operator", password=PASSWORD, is_superuser=True, is_staff=True)
    client.post("/accounts/logout/")
    sign_in(client, "operator")
    response = client.get("/sites/")
    assert 'href="/admin/"' in response.content.decode()
    assert listed_codes(response) == set(ALL_SITES)


def test_integrator_with_a_session_is_forbidden(world, client):
    """An integrator-only account that somehow holds a session gets 403 on pages."""
    client.force_login(world.user("integrator_a"))
    response = client.get("/sites/")
    assert response.status_code == 403
    assert "API access only" in response.content.decode()


def test_site_names_are_escaped(world, client):
    """A site named with markup renders escaped, never as live HTML."""
    evil = '"><script>alert(1)</script>'
    SiteFactory(portfolio=world.portfolio_p, code="site-x", name=evil)
    sign_in(client, "director_p")
    html = client.get("/sites/").content.decode()
    assert evil not in html
    assert escape(evil) in html
    assert "<script" not in html


def test_home_page_query_count_does_not_grow_with_sites(world, client):
    """The home page runs the same number of queries for 3 sites as for 6."""
    sign_in(client, "executive")

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/sites/").status_code == 200
        return len(queries)

    with_three = count_queries()
    for _ in range(3):
        site = SiteFactory(portfolio=world.portfolio_q)
        AssetFactory(line=LineFactory(site=site))
    with_six = count_queries()
    assert with_six == with_three
    assert with_three <= 4  # session, user, memberships, sites
