"""The named users every permission test is written against (SPEC §1 roles).

Two portfolios: P (sites A and B) and Q (site C). One user per role and scope:
anonymous, tech at A, tech at B, manager at A, director of P, director of Q, executive,
integrator for A (token only).
"""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token

from portfolio.models import Membership, Role
from tests.factories import AssetFactory, LineFactory, PortfolioFactory, SiteFactory, UserFactory

PASSWORD = "pw-for-tests-1"
USER_NAMES = (
    "anonymous",
    "tech_a",
    "tech_b",
    "manager_a",
    "director_p",
    "director_q",
    "executive",
    "integrator_a",
)


@dataclass
class World:
    """Two portfolios, three sites with an asset each, and the named users."""

    portfolio_p: object
    portfolio_q: object
    site_a: object
    site_b: object
    site_c: object
    asset_a: object
    asset_b: object
    asset_c: object
    users: dict
    integrator_token: str

    def user(self, name):
        return self.users[name]


def build_world() -> World:
    p = PortfolioFactory(code="p", name="Portfolio P")
    q = PortfolioFactory(code="q", name="Portfolio Q")
    site_a = SiteFactory(portfolio=p, code="site-a", name="Site A")
    site_b = SiteFactory(portfolio=p, code="site-b", name="Site B")
    site_c = SiteFactory(portfolio=q, code="site-c", name="Site C")
    assets = [
        AssetFactory(line=LineFactory(site=site), code="M-1") for site in (site_a, site_b, site_c)
    ]
    scopes = {
        "tech_a": (Role.TECHNICIAN, None, site_a),
        "tech_b": (Role.TECHNICIAN, None, site_b),
        "manager_a": (Role.SITE_MANAGER, None, site_a),
        "director_p": (Role.DIRECTOR, p, None),
        "director_q": (Role.DIRECTOR, q, None),
        "executive": (Role.EXECUTIVE, None, None),
        "integrator_a": (Role.INTEGRATOR, None, site_a),
    }
    users = {"anonymous": AnonymousUser()}
    for name, (role, portfolio, site) in scopes.items():
        user = UserFactory(username=name, password=PASSWORD)
        Membership.objects.create(user=user, role=role, portfolio=portfolio, site=site)
        users[name] = user
    token = Token.objects.create(user=users["integrator_a"]).key
    return World(p, q, site_a, site_b, site_c, *assets, users=users, integrator_token=token)


# Who sees which sites, and which portfolios as a whole: the expectation every scoping
# test (access, pages, API) checks against.
SITES_SEEN = {
    "anonymous": set(),
    "tech_a": {"site-a"},
    "tech_b": {"site-b"},
    "manager_a": {"site-a"},
    "director_p": {"site-a", "site-b"},
    "director_q": {"site-c"},
    "executive": {"site-a", "site-b", "site-c"},
    "integrator_a": {"site-a"},
}
PORTFOLIOS_SEEN = {
    "anonymous": set(),
    "tech_a": set(),
    "tech_b": set(),
    "manager_a": set(),
    "director_p": {"p"},
    "director_q": {"q"},
    "executive": {"p", "q"},
    "integrator_a": set(),
}


def client_for(world: World, name: str):
    """An API client acting as ``name``: a token for the integrator, a session otherwise."""
    from rest_framework.test import APIClient

    client = APIClient()
    if name == "integrator_a":
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.integrator_token}")
    elif name != "anonymous":
        client.force_login(world.user(name))
    return client
