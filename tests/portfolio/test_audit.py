"""The audit log records who changed standards, memberships and prevented failures."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from portfolio.audit import acting_as
from portfolio.models import AuditEntry, Membership, Role
from scores.models import ReliabilityStandard
from tests.factories import PreventedFailureFactory, StandardFactory, UserFactory

pytestmark = pytest.mark.django_db


def entries_for(instance):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=str(instance.pk)
    ).order_by("id")


def test_a_change_to_the_standard_records_actor_and_before_after():
    """Editing the standard logs who, the action and each changed field's old and new value."""
    director = UserFactory(username="dora")
    standard = StandardFactory()
    with acting_as(director):
        standard.min_cm_coverage_tier1 = Decimal("0.950")
        standard.save()
    created, updated = entries_for(standard)
    assert (created.action, created.actor_name) == ("create", "system")
    assert (updated.action, updated.actor, updated.actor_name) == ("update", director, "dora")
    assert updated.changes == {"min_cm_coverage_tier1": ["0.900", "0.950"]}
    assert "Standard of" in updated.object_repr


def test_saving_without_a_change_records_nothing():
    """A save that changes no field adds no entry."""
    standard = StandardFactory()
    standard.save()
    assert [e.action for e in entries_for(standard)] == ["create"]


def test_membership_grant_and_revoke_are_logged():
    """Adding and removing a membership both leave entries naming the role and scope."""
    admin = UserFactory(username="ops")
    tech = UserFactory(username="tina")
    standard = StandardFactory()
    with acting_as(admin):
        membership = Membership.objects.create(
            user=tech, role=Role.DIRECTOR, portfolio=standard.portfolio
        )
        pk = membership.pk
        membership.delete()
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Membership), object_id=str(pk)
    ).order_by("id")
    assert [(e.action, e.actor_name) for e in entries] == [("create", "ops"), ("delete", "ops")]
    assert entries[0].changes["role"] == [None, "director"]
    assert entries[1].changes["role"] == ["director", None]


def test_prevented_failure_edits_are_logged():
    """Changing a prevented failure's value is recorded with both amounts."""
    record = PreventedFailureFactory()
    tech = record.technician
    with acting_as(tech):
        record.estimated_value = Decimal("123456.00")
        record.save()
    update = entries_for(record).last()
    assert update.actor == tech
    assert update.changes["estimated_value"][1] == "123456.00"


def test_a_request_makes_its_user_the_actor(client):
    """The middleware attributes a change made during a request to the signed-in user."""
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    standard = StandardFactory()
    client.force_login(root)
    url = f"/admin/scores/reliabilitystandard/{standard.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {
        name: ("" if form[name].value() is None else form[name].value()) for name in form.fields
    }
    data["gap_closure_days"] = "120"
    assert client.post(url, data).status_code == 302
    update = entries_for(standard).last()
    assert (update.actor_name, update.changes["gap_closure_days"]) == ("root", [180, 120])
    assert update.changes["version"] == [1, 2]
    assert ReliabilityStandard.objects.get().version == 2


def test_the_actor_is_read_when_the_change_happens(rf):
    """A user set on the request after it arrived (as DRF does for tokens) is the actor."""
    from django.contrib.auth.models import AnonymousUser

    from portfolio.audit import AuditActorMiddleware

    integrator = UserFactory(username="robot")
    standard = StandardFactory()

    def view(request):
        request.user = integrator  # authenticated inside the view, like DRF's token auth
        standard.gap_closure_days = 99
        standard.save()
        return None

    request = rf.post("/api/v1/anything/")
    request.user = AnonymousUser()
    AuditActorMiddleware(view)(request)
    assert entries_for(standard).last().actor_name == "robot"
