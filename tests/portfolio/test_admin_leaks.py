"""The admin shows staff nothing beyond their scope: list filters, API tokens, notifications."""

import pytest
from django.contrib.admin import RelatedFieldListFilter
from django.contrib.auth.models import Permission
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import LoginAttempt
from reliability.models import Notification

pytestmark = pytest.mark.django_db


def staff(user, *codenames):
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.mark.parametrize(
    "url",
    ["/admin/reliability/asset/", "/admin/portfolio/line/", "/admin/reliability/workorder/"],
)
def test_a_site_managers_filters_list_only_their_sites(world, client, url):
    """A staff site manager's changelist filter holds no other portfolio's site name."""
    staff(world.user("manager_a"), "view_asset", "view_line", "view_workorder")
    client.force_login(world.user("manager_a"))
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Site B" not in html and "Site C" not in html
    choices = [
        label
        for spec in response.context["cl"].filter_specs
        if isinstance(spec, RelatedFieldListFilter)
        for _, label in spec.lookup_choices
    ]
    assert not {"Site B", "Site C", "Portfolio Q"} & set(choices)
    assert "Portfolio Q" not in html


def test_a_superusers_filters_list_every_site(world, client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-1")
    client.force_login(root)
    html = client.get("/admin/reliability/asset/").content.decode()
    assert all(name in html for name in ("Site A", "Site B", "Site C"))


def test_staff_with_token_permissions_see_no_tokens(world, client):
    """Model permissions on tokens give staff nothing: tokens are for superusers."""
    user = staff(world.user("director_p"), "view_tokenproxy", "change_tokenproxy")
    client.force_login(user)
    assert client.get("/admin/authtoken/tokenproxy/").status_code == 403
    html = client.get("/admin/").content.decode()
    assert "tokenproxy" not in html
    assert world.integrator_token not in html


def test_the_token_list_never_shows_a_key(world, client, django_user_model):
    """Even a superuser's list shows a token's first characters, never the key; a token
    has no page of its own (its title would be the key)."""
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-1")
    own = Token.objects.create(user=root).key
    client.force_login(root)
    response = client.get("/admin/authtoken/tokenproxy/")
    html = response.content.decode()
    assert response.status_code == 200
    assert world.integrator_token not in html and own not in html
    assert f"{world.integrator_token[:4]}…" in html
    user_id = world.user("integrator_a").pk
    change = client.get(f"/admin/authtoken/tokenproxy/{user_id}/change/")
    assert world.integrator_token not in change.content.decode()
    delete = client.get(f"/admin/authtoken/tokenproxy/{user_id}/delete/")
    assert delete.status_code == 200
    assert world.integrator_token not in delete.content.decode()


def test_notifications_admin_is_for_superusers_only(world, client):
    """Staff with notification permissions still cannot list every person's messages."""
    Notification.objects.create(
        user=world.user("director_q"), message="Site C is down", created_at=timezone.now()
    )
    user = staff(world.user("manager_a"), "view_notification", "change_notification")
    client.force_login(user)
    assert client.get("/admin/reliability/notification/").status_code == 403
    assert "Site C is down" not in client.get("/admin/").content.decode()


def test_sign_in_attempts_are_for_superusers_only(world, client):
    """Attempts hold every portfolio's usernames and addresses, and deleting them would
    lift lockouts: staff with the permissions get 403, and no one may delete them."""
    LoginAttempt.objects.create(username="root", ip="10.9.9.9", succeeded=False)
    user = staff(world.user("manager_a"), "view_loginattempt", "delete_loginattempt")
    client.force_login(user)
    assert client.get("/admin/accounts/loginattempt/").status_code == 403
    attempt = LoginAttempt.objects.get()
    assert client.post(
        "/admin/accounts/loginattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    ).status_code in (403, 302)
    assert LoginAttempt.objects.exists()


def test_staff_see_only_the_people_of_their_sites(world, client):
    """A staff site manager with the view permission on users lists, and finds in a user
    field's autocomplete, only the people of their sites: no other portfolio's."""
    user = staff(world.user("manager_a"), "view_user", "change_user", "view_alert")
    client.force_login(user)
    listed = {u.username for u in client.get("/admin/auth/user/").context["cl"].result_list}
    assert "tech_a" in listed and "manager_a" in listed
    assert not {"director_q", "tech_b", "director_p"} & listed
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "reliability", "model_name": "alert", "field_name": "acknowledged_by"},
    )
    found = {item["text"] for item in response.json()["results"]}
    assert "tech_a" in found and "director_q" not in found
    # Seeing is not changing: only superusers edit people (or could make themselves one).
    assert client.get(f"/admin/auth/user/{user.pk}/change/").status_code in (200, 403)
    response = client.post(f"/admin/auth/user/{user.pk}/change/", {"is_superuser": "on"})
    assert response.status_code == 403
