"""Database constraints of portfolios, sites, lines, memberships and the reliability standard."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from portfolio.models import Membership, Role
from scores.models import ReliabilityStandard, SiteScoreSnapshot
from tests.db import assert_refused
from tests.factories import (
    LineFactory,
    MembershipFactory,
    PortfolioFactory,
    SiteFactory,
    StandardFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- Natural keys ---------------------------------------------------------------------


def test_site_code_is_unique():
    """A second site with an existing site code is refused, even in another portfolio."""
    SiteFactory(code="detroit-stamping")
    assert_refused("portfolio_site_code_key", lambda: SiteFactory(code="detroit-stamping"))
    SiteFactory(code="detroit-assembly")


def test_line_code_is_unique_per_site():
    """A line code may repeat across sites but not within one."""
    line = LineFactory(code="press-1")
    assert_refused("line_unique_code_per_site", lambda: LineFactory(site=line.site, code="press-1"))
    LineFactory(code="press-1")


def scope_for(role):
    """The scope keyword arguments a membership of ``role`` needs."""
    if role == Role.EXECUTIVE:
        return {"portfolio": None, "site": None}
    if role == Role.DIRECTOR:
        return {"portfolio": PortfolioFactory(), "site": None}
    return {"portfolio": None, "site": SiteFactory()}


@pytest.mark.parametrize("role", Role.values)
def test_membership_is_unique_per_user_role_and_scope(role):
    """The same user, role and scope twice is refused, also with null scopes (executive)."""
    user = UserFactory()
    scope = scope_for(role)
    MembershipFactory(user=user, role=role, **scope)
    assert_refused("membership_unique", lambda: MembershipFactory(user=user, role=role, **scope))
    # Another user in the same role and scope is fine.
    MembershipFactory(role=role, **scope)


def test_membership_same_role_at_another_site_is_accepted():
    """A technician may hold the role at several sites."""
    membership = MembershipFactory(role=Role.TECHNICIAN)
    MembershipFactory(user=membership.user, role=Role.TECHNICIAN, site=SiteFactory())
    assert Membership.objects.filter(user=membership.user).count() == 2


# --- Membership scope -----------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_membership_with_the_scope_of_its_role_is_accepted(role):
    """Executives have no scope, directors a portfolio, site roles a site."""
    membership = MembershipFactory(role=role, **scope_for(role))
    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        pytest.param(Role.EXECUTIVE, {"site": True}, id="executive-with-site"),
        pytest.param(Role.EXECUTIVE, {"portfolio": True}, id="executive-with-portfolio"),
        pytest.param(Role.DIRECTOR, {}, id="director-without-portfolio"),
        pytest.param(Role.DIRECTOR, {"site": True}, id="director-with-site"),
        pytest.param(Role.DIRECTOR, {"portfolio": True, "site": True}, id="director-with-both"),
        pytest.param(Role.TECHNICIAN, {"portfolio": True}, id="technician-with-portfolio"),
        pytest.param(Role.TECHNICIAN, {}, id="technician-without-site"),
        pytest.param(Role.SITE_MANAGER, {"portfolio": True}, id="site-manager-with-portfolio"),
        pytest.param(Role.INTEGRATOR, {"portfolio": True}, id="integrator-with-portfolio"),
    ],
)
def test_membership_with_the_wrong_scope_is_refused(role, scope):
    """A membership whose portfolio/site do not match its role is refused."""
    kwargs = {
        "portfolio": PortfolioFactory() if scope.get("portfolio") else None,
        "site": SiteFactory() if scope.get("site") else None,
    }
    assert_refused("membership_scope_matches_role", lambda: MembershipFactory(role=role, **kwargs))


# --- Money ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["annual_revenue", "production_value_per_hour", "annual_maintenance_spend"]
)
def test_site_money_cannot_be_negative(field):
    """Negative revenue, production value or maintenance spend on a site is refused."""
    assert_refused("site_money_non_negative", lambda: SiteFactory(**{field: Decimal("-1")}))
    SiteFactory(**{field: Decimal("0")})


# --- Timezone validator ---------------------------------------------------------------


def test_site_timezone_must_be_an_iana_name():
    """full_clean() rejects a made-up timezone on the timezone field and accepts a real one."""
    site = SiteFactory.build(portfolio=PortfolioFactory(), timezone="Mars/Olympus")
    with pytest.raises(ValidationError) as excinfo:
        site.full_clean()
    assert set(excinfo.value.message_dict) == {"timezone"}
    assert "Mars/Olympus" in excinfo.value.message_dict["timezone"][0]

    site.timezone = "Europe/Berlin"
    site.full_clean()


# --- Reliability standard -------------------------------------------------------------


def test_default_standard_has_the_spec_values():
    """A new portfolio's standard carries the SPEC §4 defaults."""
    standard = ReliabilityStandard.objects.get(portfolio=PortfolioFactory())

    assert standard.min_cm_coverage_tier1 == Decimal("0.90")
    assert standard.min_changeover_utilization == Decimal("0.80")
    assert standard.max_alert_response_median_hours == Decimal("4")
    assert standard.max_alert_response_p90_hours == Decimal("24")
    assert standard.gap_closure_days == 180
    assert standard.expected_reduction == Decimal("0.80")
    assert standard.emergency_premium_factor == Decimal("3.0")
    assert standard.target_penalty_events_2q == 0
    assert standard.tolerated_penalty_events_2q == 2
    assert standard.cm_freshness_hours == 24
    assert standard.min_jit_failures_documented == Decimal("1")
    assert standard.version == 1


ZERO_WEIGHTS = {
    "weight_cm_coverage": 0,
    "weight_changeover": 0,
    "weight_mtbf_trend": 0,
    "weight_penalty_frequency": 0,
}


@pytest.mark.parametrize(
    ("constraint", "values"),
    [
        pytest.param(
            "standard_fractions_0_1", {"expected_reduction": Decimal("1.2")}, id="reduction>1"
        ),
        pytest.param(
            "standard_fractions_0_1", {"min_cm_coverage_tier1": Decimal("-0.1")}, id="coverage<0"
        ),
        pytest.param(
            "standard_premium_factor_ge_1",
            {"emergency_premium_factor": Decimal("0.5")},
            id="premium-factor<1",
        ),
        pytest.param(
            "standard_response_p90_ge_median",
            {
                "max_alert_response_median_hours": Decimal("8"),
                "max_alert_response_p90_hours": Decimal("6"),
            },
            id="p90<median",
        ),
        pytest.param(
            "standard_response_p90_ge_median",
            {"max_alert_response_median_hours": Decimal("0")},
            id="median-zero",
        ),
        pytest.param(
            "standard_tolerated_ge_target",
            {"target_penalty_events_2q": 3, "tolerated_penalty_events_2q": 2},
            id="tolerated<target",
        ),
        pytest.param(
            "standard_weights_non_negative_some_positive", ZERO_WEIGHTS, id="all-weights-zero"
        ),
        pytest.param(
            "standard_weights_non_negative_some_positive",
            {"weight_cm_coverage": Decimal("-0.25"), "weight_changeover": Decimal("0.5")},
            id="negative-weight",
        ),
        pytest.param("standard_gap_closure_positive", {"gap_closure_days": 0}, id="gap-days-0"),
    ],
)
def test_standard_out_of_range_is_refused(constraint, values):
    """A standard with an impossible value is refused by the named check."""
    assert_refused(constraint, lambda: StandardFactory(**values))


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"expected_reduction": Decimal("1")}, id="reduction=1"),
        pytest.param({"emergency_premium_factor": Decimal("1")}, id="premium-factor=1"),
        pytest.param(
            {
                "max_alert_response_median_hours": Decimal("6"),
                "max_alert_response_p90_hours": Decimal("6"),
            },
            id="p90=median",
        ),
        pytest.param({**ZERO_WEIGHTS, "weight_penalty_frequency": 1}, id="one-weight-positive"),
    ],
)
def test_standard_at_the_edge_of_range_is_accepted(values):
    """Boundary values of the standard's ranges are accepted."""
    standard = StandardFactory(**values)
    assert ReliabilityStandard.objects.filter(pk=standard.pk).exists()


# --- Other checks ---------------------------------------------------------------------


@pytest.mark.parametrize("currency", ["usd", "US", "U$D"])
def test_portfolio_currency_must_be_iso_4217_shaped(currency):
    """A currency that is not three capital letters is refused."""
    assert_refused("portfolio_currency_iso4217", lambda: PortfolioFactory(currency=currency))
    PortfolioFactory(currency="EUR")


def make_snapshot(site=None, as_of=dt.date(2026, 6, 30), **scores):
    return SiteScoreSnapshot.objects.create(
        site=site or SiteFactory(),
        as_of=as_of,
        computed_at=dt.datetime(2026, 7, 1, 2, tzinfo=dt.UTC),
        standard_version=1,
        **scores,
    )


@pytest.mark.parametrize(
    "field",
    [
        "cm_coverage_score",
        "changeover_score",
        "mtbf_trend_score",
        "penalty_frequency_score",
        "maturity_composite",
    ],
)
@pytest.mark.parametrize("score", [-0.1, 100.1])
def test_snapshot_score_outside_0_to_100_is_refused(field, score):
    """Scores are 0–100 or null (not computable)."""
    assert_refused(f"snapshot_{field}_0_100", lambda: make_snapshot(**{field: score}))
    make_snapshot(**{field: None})
    make_snapshot(**{field: 100.0})


def test_snapshot_is_unique_per_site_and_date():
    """A site has one snapshot per as-of date."""
    snapshot = make_snapshot()
    assert_refused(
        "snapshot_unique_site_as_of",
        lambda: make_snapshot(site=snapshot.site, as_of=snapshot.as_of),
    )
    make_snapshot(site=snapshot.site, as_of=snapshot.as_of + dt.timedelta(days=1))
