"""The permission matrix: every route × method × named user, and its expected status.

HOW TO ADD A ROUTE: add an entry to ``ROUTES`` below, keyed by the route's name
("namespace:name"), with a sample URL built from the shared ``world`` (tests/people.py)
and the expected status for each named user and method. ``test_every_route_is_classified``
walks the URLconf (the DRF router included) and fails while any route is missing, so a new
page or endpoint cannot land unclassified. Content scoping (which rows a list holds) is
tested next to each view; this file pins who gets in.
"""

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.people import USER_NAMES, client_for

SIGNED_IN = [name for name in USER_NAMES if name != "anonymous"]
PEOPLE = [name for name in SIGNED_IN if name != "integrator_a"]  # who has pages
WRITES = ("POST", "PUT", "PATCH", "DELETE")
# Who sees site A (and its asset); the rest get 404, anonymous 401 on the API.
SEE_SITE_A = {"tech_a", "manager_a", "director_p", "executive", "integrator_a"}
# Who sees portfolio P as a whole.
SEE_PORTFOLIO_P = {"director_p", "executive"}


def statuses(default: int, **overrides: int) -> dict[str, int]:
    return {name: overrides.get(name, default) for name in USER_NAMES}


def api_read(visible: set[str] | None = None) -> dict[str, int]:
    """GET on the API: 401 anonymous; 200 if visible (everyone for lists), else 404."""
    return {
        name: 401 if name == "anonymous" else (200 if visible is None or name in visible else 404)
        for name in USER_NAMES
    }


API_WRITE_REFUSED = statuses(405, anonymous=401)  # read-only endpoints
# A page for people: anonymous and the token-only integrator are sent to sign in.
PAGE = statuses(200, anonymous=302, integrator_a=302)


@dataclass
class Route:
    """How to reach a route and what each user gets, by method."""

    url: object  # str, or a callable(world) -> str
    expect: dict[str, dict[str, int]] = field(default_factory=dict)

    def resolve(self, world) -> str:
        return self.url(world) if callable(self.url) else self.url


ROUTES: dict[str, Route] = {
    # Everyone lands on a dashboard (portfolio, site) or the site list: a redirect.
    "home": Route("/", {"GET": statuses(302), "POST": statuses(405)}),
    "sites": Route("/sites/", {"GET": PAGE, "POST": statuses(405)}),
    # A POST without credentials re-renders the form with its errors.
    "login": Route("/accounts/login/", {"GET": statuses(200), "POST": statuses(200)}),
    "logout": Route(
        "/accounts/logout/",
        {"GET": statuses(405), "POST": statuses(302)},
    ),
    "healthz": Route("/healthz", {"GET": statuses(200), "POST": statuses(405)}),
    "api:api-root": Route("/api/v1/", {"GET": api_read()}),
    # Executives (and the operator) create portfolios: an empty body is then a 400.
    "api:portfolio-list": Route(
        "/api/v1/portfolios/",
        {
            "GET": api_read(),
            "POST": statuses(403, anonymous=401, executive=400),
            **dict.fromkeys(("PUT", "PATCH", "DELETE"), API_WRITE_REFUSED),
        },
    ),
    "api:portfolio-detail": Route(
        lambda w: f"/api/v1/portfolios/{w.portfolio_p.pk}/",
        {"GET": api_read(SEE_PORTFOLIO_P), **dict.fromkeys(WRITES, API_WRITE_REFUSED)},
    ),
    "api:site-list": Route(
        "/api/v1/sites/", {"GET": api_read(), **dict.fromkeys(WRITES, API_WRITE_REFUSED)}
    ),
    "api:site-detail": Route(
        lambda w: f"/api/v1/sites/{w.site_a.pk}/",
        {"GET": api_read(SEE_SITE_A), **dict.fromkeys(WRITES, API_WRITE_REFUSED)},
    ),
    "api:asset-list": Route(
        "/api/v1/assets/", {"GET": api_read(), **dict.fromkeys(WRITES, API_WRITE_REFUSED)}
    ),
    "api:asset-detail": Route(
        lambda w: f"/api/v1/assets/{w.asset_a.pk}/",
        {"GET": api_read(SEE_SITE_A), **dict.fromkeys(WRITES, API_WRITE_REFUSED)},
    ),
    "api-schema": Route("/api/schema/", {"GET": api_read()}),
    "api-docs": Route("/api/docs/", {"GET": api_read()}),
}


def batch_of_manager_a(world) -> int:
    """A batch sent by manager_a: only they (and the operator) may see it."""
    from django.core.files.base import ContentFile

    from ingest.models import IngestBatch

    batch = IngestBatch(
        kind="readings",
        source="upload",
        mapping="canonical",
        file_name="r.csv",
        file_size=5,
        created_by=world.user("manager_a"),
    )
    batch.file.save("r.csv", ContentFile(b"a,b\n"), save=True)
    return batch.pk


def ingest_write(allowed: int) -> dict[str, int]:
    """Sending data: site managers and integrators get in (an empty request is then a 400),
    other signed-in people 403, anonymous 401."""
    return statuses(403, anonymous=401, manager_a=allowed, integrator_a=allowed)


ONLY_MANAGER_A_PAGE = statuses(404, anonymous=302, integrator_a=302, manager_a=200)


def keepers_of_p_api(allowed: int) -> dict[str, int]:
    """A mapping of portfolio P over the API: its site manager and integrator only."""
    return statuses(404, anonymous=401, manager_a=allowed, integrator_a=allowed)


def mapping_of_portfolio_p(world) -> int:
    """A stored mapping of portfolio P (site A's manager and integrator keep it)."""
    from ingest.models import Mapping

    return Mapping.objects.create(
        name="cmms-p", kind="work_orders", definition={}, portfolio=world.portfolio_p
    ).pk


ONLY_MANAGER_A_API = statuses(404, anonymous=401, manager_a=200)

ROUTES.update(
    {
        "ingest:batches": Route(
            "/ingest/",
            {"GET": PAGE, "POST": statuses(403, anonymous=302, integrator_a=302, manager_a=400)},
        ),
        "ingest:batch": Route(
            lambda w: f"/ingest/{batch_of_manager_a(w)}/",
            {"GET": ONLY_MANAGER_A_PAGE, "POST": statuses(405)},
        ),
        "ingest:rejected-csv": Route(
            lambda w: f"/ingest/{batch_of_manager_a(w)}/rejected.csv",
            {"GET": ONLY_MANAGER_A_PAGE},
        ),
        # A kind's template CSV: for those who may load that kind (here, site A's manager).
        "ingest:kind-template": Route(
            "/ingest/templates/work_orders.csv",
            {
                "GET": statuses(403, anonymous=302, integrator_a=302, manager_a=200),
                "POST": statuses(405),
            },
        ),
        "api:ingest-batch-list": Route(
            "/api/v1/ingest/batches/",
            {
                "GET": api_read(),
                "POST": ingest_write(400),
                **dict.fromkeys(("PUT", "PATCH", "DELETE"), API_WRITE_REFUSED),
            },
        ),
        "api:ingest-batch-detail": Route(
            lambda w: f"/api/v1/ingest/batches/{batch_of_manager_a(w)}/",
            {
                "GET": ONLY_MANAGER_A_API,
                **dict.fromkeys(WRITES, API_WRITE_REFUSED),
            },
        ),
        "api:ingest-batch-rejected": Route(
            lambda w: f"/api/v1/ingest/batches/{batch_of_manager_a(w)}/rejected/",
            {"GET": ONLY_MANAGER_A_API},
        ),
        "api:ingest-readings": Route(
            "/api/v1/ingest/readings/", {"GET": API_WRITE_REFUSED, "POST": ingest_write(400)}
        ),
        "api:ingest-work-orders": Route(
            "/api/v1/ingest/work-orders/", {"GET": API_WRITE_REFUSED, "POST": ingest_write(400)}
        ),
        # A preview is refused exactly as a batch would be; an empty request is a 400.
        "api:ingest-preview": Route(
            "/api/v1/ingest/preview/", {"GET": API_WRITE_REFUSED, "POST": ingest_write(400)}
        ),
        # Stored mappings: seen by those who may load into their portfolio (shared ones by
        # all), kept by site managers and integrators; an empty form or body is a 400.
        "ingest:mappings": Route("/ingest/mappings/", {"GET": PAGE, "POST": statuses(405)}),
        "ingest:mapping-new": Route(
            "/ingest/mappings/new/",
            {
                "GET": statuses(403, anonymous=302, integrator_a=302, manager_a=200),
                "POST": statuses(403, anonymous=302, integrator_a=302, manager_a=400),
            },
        ),
        "ingest:mapping-edit": Route(
            lambda w: f"/ingest/mappings/{mapping_of_portfolio_p(w)}/",
            {
                "GET": ONLY_MANAGER_A_PAGE,
                "POST": statuses(404, anonymous=302, integrator_a=302, manager_a=400),
            },
        ),
        "api:ingest-mapping-list": Route(
            "/api/v1/ingest/mappings/",
            {
                "GET": api_read(),
                "POST": ingest_write(400),
                **dict.fromkeys(("PUT", "PATCH", "DELETE"), API_WRITE_REFUSED),
            },
        ),
        "api:ingest-mapping-detail": Route(
            lambda w: f"/api/v1/ingest/mappings/{mapping_of_portfolio_p(w)}/",
            {
                "GET": keepers_of_p_api(200),
                "PUT": keepers_of_p_api(400),
                "PATCH": keepers_of_p_api(200),
                "DELETE": keepers_of_p_api(204),
                "POST": API_WRITE_REFUSED,
            },
        ),
    }
)


def open_alert_at_a(world) -> int:
    """An open vibration alert on site A's asset."""
    from django.utils import timezone

    from reliability.models import Alert

    return Alert.objects.create(
        asset=world.asset_a,
        metric="vibration_velocity_rms",
        rule="zone",
        detected_at=timezone.now(),
        first_zone="C",
        worst_zone="C",
    ).pk


def sensor_at_a(world) -> int:
    from tests.factories import SensorFactory

    return SensorFactory(asset=world.asset_a).pk


# Acting on an alert at site A: its technician and manager; others who see it are refused.
ACT_ON_ALERT_A_API = statuses(
    403, anonymous=401, tech_b=404, director_q=404, tech_a=200, manager_a=200
)
ACT_ON_ALERT_A_PAGE = statuses(
    403, anonymous=302, integrator_a=302, tech_b=404, director_q=404, tech_a=302, manager_a=302
)
SEE_ALERT_A_PAGE = statuses(
    404, anonymous=302, integrator_a=302, tech_a=200, manager_a=200, director_p=200, executive=200
)

ROUTES.update(
    {
        "api:alert-list": Route(
            "/api/v1/alerts/", {"GET": api_read(), **dict.fromkeys(WRITES, API_WRITE_REFUSED)}
        ),
        "api:alert-detail": Route(
            lambda w: f"/api/v1/alerts/{open_alert_at_a(w)}/",
            {"GET": api_read(SEE_SITE_A), **dict.fromkeys(WRITES, API_WRITE_REFUSED)},
        ),
        "api:alert-acknowledge": Route(
            lambda w: f"/api/v1/alerts/{open_alert_at_a(w)}/acknowledge/",
            {"POST": ACT_ON_ALERT_A_API},
        ),
        # An empty body is a 400 for those who may act.
        "api:alert-link-work-order": Route(
            lambda w: f"/api/v1/alerts/{open_alert_at_a(w)}/link-work-order/",
            {"POST": {**ACT_ON_ALERT_A_API, "tech_a": 400, "manager_a": 400}},
        ),
        "api:alert-close": Route(
            lambda w: f"/api/v1/alerts/{open_alert_at_a(w)}/close/",
            {"POST": {**ACT_ON_ALERT_A_API, "tech_a": 400, "manager_a": 400}},
        ),
        "reliability:alerts": Route("/alerts/", {"GET": PAGE, "POST": statuses(405)}),
        "reliability:alert": Route(
            lambda w: f"/alerts/{open_alert_at_a(w)}/",
            {"GET": SEE_ALERT_A_PAGE, "POST": statuses(405)},
        ),
        "reliability:alert-action": Route(
            lambda w: f"/alerts/{open_alert_at_a(w)}/acknowledge/",
            {"POST": ACT_ON_ALERT_A_PAGE, "GET": statuses(405)},
        ),
        "reliability:patterns": Route("/alerts/patterns/", {"GET": PAGE, "POST": statuses(405)}),
        "api:sensor-series": Route(
            lambda w: f"/api/v1/sensors/{sensor_at_a(w)}/series/",
            {"GET": api_read(SEE_SITE_A), **dict.fromkeys(WRITES, API_WRITE_REFUSED)},
        ),
        "notifications": Route(
            "/notifications/",
            {"GET": PAGE, "POST": statuses(302)},
        ),
    }
)

# Route families classified as a whole, with the reason and one representative URL each.
FAMILIES = {
    # Django's admin: staff only. None of the named users is staff, so every admin URL
    # sends them to the admin's own sign-in; admin scoping is tested in test_admin_scoping.
    "admin:": Route("/admin/portfolio/site/", {"GET": statuses(302)}),
}


def route_names(resolver=None, namespace="") -> list[tuple[str, str]]:
    """(name, pattern) of every route in the URLconf, namespaced like reverse() wants."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(route_names(entry, inner))
        elif isinstance(entry, URLPattern):
            name = entry.name or f"(unnamed {entry.pattern})"
            found.append((f"{namespace}{name}", str(entry.pattern)))
    return found


# --- Dashboards (issue 7) ---------------------------------------------------------------
# The portfolio as a whole: its directors and executives; site people and other directors
# get 404. A site's pages: the people who see the site.
SEE_PORTFOLIO_P_PAGE = statuses(404, anonymous=302, integrator_a=302, director_p=200, executive=200)
SEE_SITE_A_PAGE = statuses(
    404, anonymous=302, integrator_a=302, tech_a=200, manager_a=200, director_p=200, executive=200
)
# The standard: seen by everyone measured against it, edited by its directors and
# executives (an empty form is re-shown with its errors: 200); others are refused.
STANDARD_P_GET = statuses(200, anonymous=302, integrator_a=302, director_q=404)
STANDARD_P_POST = statuses(
    403, anonymous=302, integrator_a=302, director_q=404, director_p=200, executive=200
)


def relationship_at_a(world):
    """An OEM relationship at site A, with a customer coded "northway"."""
    from tests.factories import OEMCustomerFactory, RelationshipFactory

    return RelationshipFactory(site=world.site_a, customer=OEMCustomerFactory(code="northway"))


ROUTES.update(
    {
        "scores:portfolio": Route(
            lambda w: f"/portfolios/{w.portfolio_p.code}/",
            {"GET": SEE_PORTFOLIO_P_PAGE, "POST": statuses(405)},
        ),
        "scores:translation": Route(
            lambda w: f"/portfolios/{w.portfolio_p.code}/translation/",
            {"GET": SEE_PORTFOLIO_P_PAGE, "POST": statuses(405)},
        ),
        "scores:standard": Route(
            lambda w: f"/portfolios/{w.portfolio_p.code}/standard/",
            {"GET": STANDARD_P_GET, "POST": STANDARD_P_POST},
        ),
        # An empty plan posted by a writer changes nothing and goes back to the portfolio.
        "scores:capital-plan": Route(
            lambda w: f"/portfolios/{w.portfolio_p.code}/capital-plan/",
            {
                "GET": SEE_PORTFOLIO_P_PAGE,
                "POST": statuses(
                    404, anonymous=302, integrator_a=302, director_p=302, executive=302
                ),
            },
        ),
        "scores:site": Route(
            lambda w: f"/sites/{w.site_a.code}/",
            {"GET": SEE_SITE_A_PAGE, "POST": statuses(405)},
        ),
        "asset": Route(
            lambda w: f"/assets/{w.asset_a.pk}/",
            {"GET": SEE_SITE_A_PAGE, "POST": statuses(405)},
        ),
        "scores:relationship": Route(
            lambda w: f"/oem/relationships/{relationship_at_a(w).pk}/",
            {"GET": SEE_SITE_A_PAGE, "POST": statuses(405)},
        ),
        "scores:customer": Route(
            lambda w: f"/oem/customers/{relationship_at_a(w).customer.code}/",
            {"GET": SEE_SITE_A_PAGE, "POST": statuses(405)},
        ),
        # Every person has the index (of the customers at the sites they see; an empty
        # list otherwise): tests/scores/test_executive_wording.py checks which rows each sees.
        "scores:customers": Route("/oem/customers/", {"GET": PAGE, "POST": statuses(405)}),
        "api:portfolio-figures": Route(
            lambda w: f"/api/v1/portfolios/{w.portfolio_p.pk}/figures/",
            {"GET": api_read(SEE_PORTFOLIO_P), **dict.fromkeys(WRITES, API_WRITE_REFUSED)},
        ),
    }
)


def work_order_at_a(world) -> int:
    from tests.factories import WorkOrderFactory

    return WorkOrderFactory(asset=world.asset_a).pk


# --- Portfolios and work-order totals (issue 13) ----------------------------------------
ROUTES.update(
    {
        # Every person sees the list (of the portfolios they see as a whole).
        "portfolio:portfolios": Route("/portfolios/", {"GET": PAGE, "POST": statuses(405)}),
        # Only executives create portfolios; an empty form is shown again with its errors.
        "portfolio:portfolio-new": Route(
            "/portfolios/new/",
            {
                "GET": statuses(403, anonymous=302, integrator_a=302, executive=200),
                "POST": statuses(403, anonymous=302, integrator_a=302, executive=200),
            },
        ),
        "api:work-order-list": Route(
            "/api/v1/work-orders/",
            {"GET": api_read(), **dict.fromkeys(WRITES, API_WRITE_REFUSED)},
        ),
        "api:work-order-detail": Route(
            lambda w: f"/api/v1/work-orders/{work_order_at_a(w)}/",
            {"GET": api_read(SEE_SITE_A), **dict.fromkeys(WRITES, API_WRITE_REFUSED)},
        ),
    }
)


def test_every_route_is_classified():
    """Each route of the URLconf is in ROUTES or a classified family."""
    unclassified = sorted(
        f"{name} {pattern}"
        for name, pattern in route_names()
        if name not in ROUTES and not any(name.startswith(prefix) for prefix in FAMILIES)
    )
    assert unclassified == [], "add these routes to ROUTES in tests/test_permission_matrix.py"


def test_the_matrix_names_only_existing_routes():
    """A matrix entry for a route that no longer exists is stale and must go."""
    names = {name for name, _ in route_names()}
    assert set(ROUTES) - names == set()


CASES = [
    pytest.param(key, method, user, id=f"{key}-{method}-{user}")
    for table in (ROUTES, FAMILIES)
    for key, route in table.items()
    for method, expected in route.expect.items()
    for user in expected
]


@pytest.mark.parametrize(("key", "method", "user"), CASES)
def test_matrix(world, key, method, user):
    """The named user gets the expected status for this route and method."""
    route = ROUTES.get(key) or FAMILIES[key]
    url = route.resolve(world)
    response = getattr(client_for(world, user), method.lower())(url)
    assert response.status_code == route.expect[method][user], f"{method} {url} as {user}"
