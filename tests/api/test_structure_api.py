"""The read API for portfolios, sites and assets: who may call it, which rows each named
user sees, filters, refused writes, query counts, the schema and docs, and throttling."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from portfolio.models import Portfolio, Site
from reliability.models import Asset
from tests.factories import AssetFactory, LineFactory
from tests.people import PORTFOLIOS_SEEN, SITES_SEEN, client_for

SITES = "/api/v1/sites/"
ASSETS = "/api/v1/assets/"
PORTFOLIOS = "/api/v1/portfolios/"


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def codes(response, field="code") -> set[str]:
    return {row[field] for row in rows(response)}


# --- Authentication -------------------------------------------------------------------
@pytest.mark.parametrize("url", [SITES, ASSETS, PORTFOLIOS, f"{SITES}1/"])
def test_anonymous_gets_401_with_a_token_challenge(world, url):
    """Without credentials the API answers 401 and asks for a token (WWW-Authenticate)."""
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_bad_token_gets_401(world):
    """An unknown token is refused with 401, not treated as anonymous."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get(SITES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_an_inactive_users_token_gets_401(world):
    """A deactivated integrator's token stops working at once."""
    integrator = world.user("integrator_a")
    integrator.is_active = False
    integrator.save()
    response = client_for(world, "integrator_a").get(SITES)
    assert response.status_code == 401


# --- Scoping --------------------------------------------------------------------------
@pytest.mark.parametrize("name", SITES_SEEN)
def test_site_list_holds_exactly_the_permitted_sites(world, name):
    """Each named user lists exactly the sites visible_to them; anonymous gets 401."""
    response = client_for(world, name).get(SITES)
    if name == "anonymous":
        assert response.status_code == 401
    else:
        assert codes(response) == SITES_SEEN[name]
        assert response.json()["count"] == len(SITES_SEEN[name])


@pytest.mark.parametrize("name", SITES_SEEN)
def test_asset_list_holds_exactly_the_assets_of_permitted_sites(world, name):
    """Each named user lists exactly the assets of their visible sites; anonymous gets 401."""
    response = client_for(world, name).get(ASSETS)
    if name == "anonymous":
        assert response.status_code == 401
    else:
        assert codes(response, "site") == SITES_SEEN[name]
        assert response.json()["count"] == len(SITES_SEEN[name])


@pytest.mark.parametrize("name", PORTFOLIOS_SEEN)
def test_portfolio_list_holds_exactly_the_permitted_portfolios(world, name):
    """Executives list every portfolio, directors their own, site roles none; anonymous 401."""
    response = client_for(world, name).get(PORTFOLIOS)
    if name == "anonymous":
        assert response.status_code == 401
    else:
        assert codes(response) == PORTFOLIOS_SEEN[name]


def test_integrator_token_reads_its_granted_site_only(world):
    """The integrator's token lists site A and its asset, and nothing of B or C."""
    client = client_for(world, "integrator_a")
    assert codes(client.get(SITES)) == {"site-a"}
    assert [row["id"] for row in rows(client.get(ASSETS))] == [world.asset_a.pk]


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("tech_a", f"{SITES}{{site_b}}/"),
        ("tech_a", f"{ASSETS}{{asset_c}}/"),
        ("tech_a", f"{PORTFOLIOS}{{p}}/"),
        ("director_p", f"{SITES}{{site_c}}/"),
        ("director_p", f"{ASSETS}{{asset_c}}/"),
        ("director_p", f"{PORTFOLIOS}{{q}}/"),
        ("integrator_a", f"{SITES}{{site_b}}/"),
        ("integrator_a", f"{ASSETS}{{asset_b}}/"),
        ("integrator_a", f"{PORTFOLIOS}{{p}}/"),
    ],
)
def test_foreign_detail_is_404(world, name, url):
    """Another scope's site, asset or portfolio answers 404, as if it did not exist."""
    ids = {
        "site_b": world.site_b.pk,
        "site_c": world.site_c.pk,
        "asset_b": world.asset_b.pk,
        "asset_c": world.asset_c.pk,
        "p": world.portfolio_p.pk,
        "q": world.portfolio_q.pk,
    }
    response = client_for(world, name).get(url.format(**ids))
    assert response.status_code == 404


def test_unknown_id_is_404_too(world):
    """A missing id answers exactly like a foreign one."""
    assert client_for(world, "executive").get(f"{SITES}999999/").status_code == 404


def test_own_site_detail_has_the_serialized_fields(world):
    """A visible site's detail returns its fields, the portfolio by code."""
    site = world.site_a
    response = client_for(world, "manager_a").get(f"{SITES}{site.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": site.pk,
        "code": "site-a",
        "name": "Site A",
        "portfolio": "p",
        "timezone": site.timezone,
        "annual_revenue": f"{site.annual_revenue:.2f}",
        "production_value_per_hour": f"{site.production_value_per_hour:.2f}",
    }


def test_own_asset_detail_has_the_serialized_fields(world):
    """A visible asset's detail returns its fields, site and line by code."""
    asset = world.asset_a
    response = client_for(world, "integrator_a").get(f"{ASSETS}{asset.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": asset.pk,
        "code": "M-1",
        "name": asset.name,
        "site": "site-a",
        "line": asset.line.code,
        "asset_class": asset.asset_class,
        "tier": asset.tier,
        "is_bottleneck": asset.is_bottleneck,
        "machine_group": asset.machine_group,
        "foundation": asset.foundation,
        "replacement_value": f"{asset.replacement_value:.2f}",
        "is_active": True,
    }


def test_own_portfolio_detail_has_the_serialized_fields(world):
    """A director's own portfolio detail returns its fields."""
    portfolio = world.portfolio_p
    response = client_for(world, "director_p").get(f"{PORTFOLIOS}{portfolio.pk}/")
    assert response.status_code == 200
    assert response.json() == {
        "id": portfolio.pk,
        "code": "p",
        "name": "Portfolio P",
        "currency": "USD",
        "is_acquisition_target": False,
    }


# --- Filters --------------------------------------------------------------------------
def test_asset_filter_by_own_site(world):
    """?site=site-a lists only site A's assets."""
    AssetFactory(line=world.asset_b.line, code="M-2")
    response = client_for(world, "executive").get(ASSETS, {"site": "site-a"})
    assert [row["id"] for row in rows(response)] == [world.asset_a.pk]


def test_asset_filter_by_foreign_site_is_empty(world):
    """?site=<a foreign site> lists nothing, not the foreign site's assets."""
    response = client_for(world, "tech_a").get(ASSETS, {"site": "site-c"})
    assert rows(response) == []


def test_asset_filters_by_tier_class_and_line(world):
    """tier, asset_class and line narrow the visible assets."""
    line = world.asset_a.line
    pump = AssetFactory(line=line, code="P-1", asset_class="pump", tier=2)
    other_line = AssetFactory(line=LineFactory(site=world.site_a), code="F-1", tier=3)
    client = client_for(world, "manager_a")
    assert [r["id"] for r in rows(client.get(ASSETS, {"tier": 2}))] == [pump.pk]
    assert [r["id"] for r in rows(client.get(ASSETS, {"asset_class": "pump"}))] == [pump.pk]
    by_line = rows(client.get(ASSETS, {"site": "site-a", "line": other_line.line.code}))
    assert [r["id"] for r in by_line] == [other_line.pk]


def test_site_filter_by_portfolio(world):
    """?portfolio=p lists P's visible sites; a foreign portfolio code lists nothing."""
    assert codes(client_for(world, "executive").get(SITES, {"portfolio": "p"})) == {
        "site-a",
        "site-b",
    }
    assert rows(client_for(world, "director_q").get(SITES, {"portfolio": "p"})) == []


def test_an_invalid_filter_value_is_400(world):
    """A tier that is not a number or an unknown asset class is a 400, not an empty list."""
    client = client_for(world, "executive")
    assert client.get(ASSETS, {"tier": "high"}).status_code == 400
    assert client.get(ASSETS, {"asset_class": "warp-drive"}).status_code == 400


# --- Writes are refused ---------------------------------------------------------------
WRITES = [
    ("post", "list"),
    ("put", "detail"),
    ("patch", "detail"),
    ("delete", "detail"),
    ("post", "detail"),
]


def _targets(world):
    return [
        (SITES, world.site_a, Site),
        (ASSETS, world.asset_a, Asset),
        (PORTFOLIOS, world.portfolio_p, Portfolio),
    ]


@pytest.mark.parametrize("name", ["executive", "manager_a", "integrator_a", "anonymous"])
@pytest.mark.parametrize(("method", "kind"), WRITES)
def test_writes_are_refused_and_change_nothing(world, name, method, kind):
    """POST/PUT/PATCH/DELETE answer 405 (401 anonymous) and leave every row as it was."""
    client = client_for(world, name)
    for base, obj, model in _targets(world):
        if (base, method, kind) == (PORTFOLIOS, "post", "list"):
            continue  # executives create portfolios: tests/portfolio/test_create_portfolio.py
        before_count = model.objects.count()
        before = model.objects.filter(pk=obj.pk).values().get()
        url = base if kind == "list" else f"{base}{obj.pk}/"
        response = getattr(client, method)(url, {"code": "hacked", "name": "Hacked"}, "json")
        assert response.status_code == (401 if name == "anonymous" else 405), (url, method)
        assert model.objects.count() == before_count
        assert model.objects.filter(pk=obj.pk).values().get() == before


# --- Query count ----------------------------------------------------------------------
def _list_queries(client, url, expected_rows):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert len(rows(response)) == expected_rows
    return len(queries)


def test_asset_list_query_count_does_not_grow_with_rows(world):
    """Listing 30 assets costs the executive as many queries as listing 3 (no N+1)."""
    client = client_for(world, "executive")
    with_3 = _list_queries(client, ASSETS, 3)
    for site in (world.site_a, world.site_b, world.site_c):
        line = LineFactory(site=site)
        AssetFactory.create_batch(9, line=line)
    with_30 = _list_queries(client, ASSETS, 30)
    assert with_30 == with_3


def test_site_list_query_count_does_not_grow_with_rows(world):
    """Listing 13 sites costs the executive as many queries as listing 3."""
    from tests.factories import SiteFactory

    client = client_for(world, "executive")
    with_3 = _list_queries(client, SITES, 3)
    SiteFactory.create_batch(10)
    assert _list_queries(client, SITES, 13) == with_3


# --- Schema and docs ------------------------------------------------------------------
def test_schema_lists_the_structure_endpoints(world):
    """A signed-in user gets the OpenAPI schema, which documents the v1 endpoints."""
    response = client_for(world, "tech_a").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (SITES, ASSETS, PORTFOLIOS, "/api/v1/sites/{id}/"):
        assert path in paths


def test_integrator_token_gets_the_schema(world):
    """Integrators, who build against the API, may read the schema with their token."""
    response = client_for(world, "integrator_a").get("/api/schema/")
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/", "/api/docs/?script="])
def test_schema_and_docs_refuse_anonymous(world, url):
    """The schema and the docs page are for signed-in users only."""
    assert APIClient().get(url).status_code == 401


ASSET_URL = re.compile(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"', re.IGNORECASE)


def test_docs_page_loads_everything_from_local_static_files(world):
    """The docs page's scripts and stylesheets are our own /static/ files (no CDN), and
    each one exists; the init script is a separate same-origin request."""
    client = client_for(world, "tech_a")
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    urls = ASSET_URL.findall(html)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in urls
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in urls
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    static = [url for url in urls if url.startswith("/static/")]
    for url in static:
        assert finders.find(url.removeprefix("/static/")) is not None, url
    assert set(urls) - set(static) == {"/api/docs/?script="}
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


# --- Throttling -----------------------------------------------------------------------
def test_throttle_rates_come_from_settings(world):
    """Each user may make 2000 requests an hour; anonymous callers 60."""
    assert UserRateThrottle().rate == "2000/hour"
    assert UserRateThrottle.THROTTLE_RATES["anon"] == "60/hour"


def test_the_request_over_the_rate_is_429(world, monkeypatch):
    """With a rate of 3 an hour, a user's 4th request is refused with 429 and Retry-After,
    while another user is still served."""
    # The throttle classes read the rates once, when DRF is imported, so patch them there.
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/hour", "anon": "3/hour"})
    client = client_for(world, "tech_a")
    assert [client.get(SITES).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(SITES)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert client_for(world, "tech_b").get(SITES).status_code == 200
