"""The one scoping mechanism: who sees which rows, who may write where."""

import pytest
from django.core.exceptions import PermissionDenied

from oem.models import PenaltyRecord
from portfolio.access import Action, check_portfolio_write, check_site_write, is_integrator_only
from portfolio.models import Membership, Portfolio, Site
from reliability.models import Asset, Certification, Reading, WorkOrder
from tests.factories import (
    CertificationFactory,
    PenaltyFactory,
    ReadingFactory,
    RelationshipFactory,
    SensorFactory,
    UserFactory,
    WorkOrderFactory,
)
from tests.people import SITES_SEEN


@pytest.mark.parametrize(("name", "expected"), SITES_SEEN.items())
def test_each_role_sees_exactly_its_sites(world, name, expected):
    """Site.objects.visible_to returns exactly the sites of the user's memberships."""
    seen = set(Site.objects.visible_to(world.user(name)).values_list("code", flat=True))
    assert seen == expected


@pytest.mark.parametrize(("name", "expected"), SITES_SEEN.items())
def test_rows_below_a_site_follow_the_site(world, name, expected):
    """Assets, work orders, readings and penalties are visible exactly at visible sites."""
    for asset in (world.asset_a, world.asset_b, world.asset_c):
        WorkOrderFactory(asset=asset)
        ReadingFactory(sensor=SensorFactory(asset=asset))
        PenaltyFactory(relationship=RelationshipFactory(site=asset.site))
    user = world.user(name)
    for model, path in [
        (Asset, "site__code"),
        (WorkOrder, "site__code"),
        (Reading, "sensor__asset__site__code"),
        (PenaltyRecord, "relationship__site__code"),
    ]:
        seen = set(model.objects.visible_to(user).values_list(path, flat=True))
        assert seen == expected, model.__name__


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("anonymous", set()),
        ("tech_a", set()),
        ("manager_a", set()),
        ("director_p", {"p"}),
        ("director_q", {"q"}),
        ("executive", {"p", "q"}),
    ],
)
def test_portfolios_are_seen_by_directors_and_executives(world, name, expected):
    """Directors see their portfolios, executives all; site roles see none as a whole."""
    seen = set(Portfolio.objects.visible_to(world.user(name)).values_list("code", flat=True))
    assert seen == expected


def test_superuser_sees_everything_and_inactive_user_nothing(world):
    """The operator sees all sites; a deactivated director sees none."""
    root = UserFactory(username="root", is_superuser=True)
    assert Site.objects.visible_to(root).count() == 3
    director = world.user("director_p")
    director.is_active = False
    director.save()
    assert not Site.objects.visible_to(director).exists()


def test_memberships_are_read_once_per_user_object(world, django_assert_num_queries):
    """Scoping a request's queries does not re-read memberships each time."""
    user = world.user("director_p")
    list(Site.objects.visible_to(user))
    with django_assert_num_queries(2):
        list(Site.objects.visible_to(user))
        list(Asset.objects.visible_to(user))


def test_certifications_are_own_or_of_people_at_visible_sites(world):
    """A technician sees their own and colleagues' certifications at their site, not others'."""
    mine = CertificationFactory(holder=world.user("tech_a"))
    colleague = CertificationFactory(holder=world.user("manager_a"))
    elsewhere = CertificationFactory(holder=world.user("tech_b"))
    seen = set(Certification.objects.visible_to(world.user("tech_a")))
    assert mine in seen and colleague in seen and elsewhere not in seen
    assert set(Certification.objects.visible_to(world.user("director_q"))) == set()


def test_memberships_are_visible_in_scope(world):
    """A director sees the memberships of their portfolio's people, not of another's."""
    seen = set(
        Membership.objects.visible_to(world.user("director_p")).values_list(
            "user__username", flat=True
        )
    )
    assert {"director_p", "tech_a", "tech_b", "manager_a", "integrator_a"} <= seen
    assert "director_q" not in seen


@pytest.mark.parametrize(
    ("name", "action", "site", "allowed"),
    [
        ("manager_a", Action.ASSET, "site_a", True),
        ("manager_a", Action.ASSET, "site_b", False),
        ("tech_a", Action.ASSET, "site_a", False),
        ("tech_a", Action.PREVENTED_FAILURE, "site_a", True),
        ("tech_a", Action.PREVENTED_FAILURE, "site_b", False),
        ("tech_a", Action.CERTIFICATION, "site_a", True),
        ("manager_a", Action.CERTIFICATION, "site_a", False),
        ("director_p", Action.WORK_ORDER, "site_a", False),
        ("executive", Action.ASSET, "site_a", False),
        ("integrator_a", Action.INGEST, "site_a", True),
        ("integrator_a", Action.INGEST, "site_b", False),
        ("integrator_a", Action.WORK_ORDER, "site_a", False),
        ("anonymous", Action.WORK_ORDER, "site_a", False),
    ],
)
def test_site_writes_follow_the_role_table(world, name, action, site, allowed):
    """check_site_write allows exactly the role table's writes at the user's own sites."""
    site_id = getattr(world, site).pk
    if allowed:
        check_site_write(world.user(name), action=action, site_id=site_id)
    else:
        with pytest.raises(PermissionDenied, match=str(action)):
            check_site_write(world.user(name), action=action, site_id=site_id)


def test_moving_a_record_needs_write_at_both_sites(world):
    """Moving a work order from a foreign site into one's own site is refused, and back."""
    manager = world.user("manager_a")
    with pytest.raises(PermissionDenied):
        check_site_write(
            manager,
            action=Action.WORK_ORDER,
            site_id=world.site_a.pk,
            previous_site_id=world.site_b.pk,
        )
    with pytest.raises(PermissionDenied):
        check_site_write(
            manager,
            action=Action.WORK_ORDER,
            site_id=world.site_b.pk,
            previous_site_id=world.site_a.pk,
        )


@pytest.mark.parametrize(
    ("name", "portfolio", "allowed"),
    [
        ("director_p", "portfolio_p", True),
        ("director_p", "portfolio_q", False),
        ("executive", "portfolio_q", True),
        ("manager_a", "portfolio_p", False),
        ("tech_a", "portfolio_p", False),
    ],
)
def test_standard_writes_follow_the_role_table(world, name, portfolio, allowed):
    """Directors edit their portfolios' standard, executives any, site roles none."""
    portfolio_id = getattr(world, portfolio).pk
    if allowed:
        check_portfolio_write(world.user(name), action=Action.STANDARD, portfolio_id=portfolio_id)
    else:
        with pytest.raises(PermissionDenied):
            check_portfolio_write(
                world.user(name), action=Action.STANDARD, portfolio_id=portfolio_id
            )


def test_integrator_only_users_are_recognised(world):
    """An integrator with no other role has no pages; others do."""
    assert is_integrator_only(world.user("integrator_a"))
    assert not is_integrator_only(world.user("tech_a"))
