"""The capital plan page and service: directors set each site's proposed investment."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from portfolio.models import AuditEntry
from scores.models import CapitalProposal
from scores.services import capital_plan_update
from tests.people import client_for


def url(world):
    return reverse("scores:capital-plan", args=[world.portfolio_p.code])


def form(world, a="", a_text="", b="", b_text=""):
    return {
        f"site-{world.site_a.pk}-amount": a,
        f"site-{world.site_a.pk}-description": a_text,
        f"site-{world.site_b.pk}-amount": b,
        f"site-{world.site_b.pk}-description": b_text,
    }


def test_a_director_sets_removes_and_changes_proposals(world):
    client = client_for(world, "director_p")
    response = client.post(url(world), form(world, a="95000", a_text="Vibration on presses"))
    assert response.status_code == 302
    proposal = CapitalProposal.objects.get(site=world.site_a)
    assert proposal.amount == Decimal("95000") and proposal.updated_by == world.user("director_p")
    assert not CapitalProposal.objects.filter(site=world.site_b).exists()
    # Changing A, adding B; then clearing A removes it.
    client.post(url(world), form(world, a="90000", a_text="Smaller", b="50000"))
    assert CapitalProposal.objects.get(site=world.site_a).amount == Decimal("90000")
    client.post(url(world), form(world, b="50000"))
    assert list(CapitalProposal.objects.values_list("site__code", flat=True)) == ["site-b"]
    # Each change is audited.
    assert AuditEntry.objects.filter(content_type__model="capitalproposal").count() == 4


@pytest.mark.parametrize(
    "data, message",
    [
        ({"a": "-1"}, "The investment must be zero or more."),
        ({"a": "lots"}, "Enter a number."),
        ({"a_text": "no amount"}, "Give an amount, or clear the description too."),
    ],
)
def test_bad_lines_are_named_and_nothing_is_saved(world, data, message):
    response = client_for(world, "director_p").post(url(world), form(world, b="100", **data))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CapitalProposal.objects.exists()


def test_the_page_shows_current_proposals(world):
    CapitalProposal.objects.create(site=world.site_a, amount=Decimal("60000"), description="X")
    html = client_for(world, "executive").get(url(world)).content.decode()
    assert 'value="60000.00"' in html and 'value="X"' in html


@pytest.mark.parametrize(
    "name, status", [("tech_a", 404), ("manager_a", 404), ("director_q", 404), ("anonymous", 302)]
)
def test_only_the_portfolio_s_directors_and_executives_get_in(world, name, status):
    assert client_for(world, name).get(url(world)).status_code == status
    assert client_for(world, name).post(url(world), form(world, a="1")).status_code == status
    assert not CapitalProposal.objects.exists()


def test_the_service_checks_the_writer_and_the_sites(world):
    with pytest.raises(PermissionDenied):
        capital_plan_update(
            portfolio=world.portfolio_p,
            lines={world.site_a.pk: (Decimal("1"), "")},
            user=world.user("manager_a"),
        )
    with pytest.raises(ValueError, match="not in Portfolio P"):
        capital_plan_update(
            portfolio=world.portfolio_p,
            lines={world.site_c.pk: (Decimal("1"), "")},
            user=world.user("director_p"),
        )


def test_the_portfolio_page_links_the_editor(world):
    """Everyone who sees a portfolio as a whole may edit its plan: the link is always there."""
    page = reverse("scores:portfolio", args=[world.portfolio_p.code])
    assert url(world) in client_for(world, "director_p").get(page).content.decode()
