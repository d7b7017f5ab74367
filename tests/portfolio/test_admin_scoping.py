"""The admin shows and writes only within the user's scope, on top of model permissions."""

import pytest
from django.contrib.auth.models import Permission

from reliability.models import Asset
from scores.models import ReliabilityStandard
from tests.factories import StandardFactory


def staff(user, *codenames):
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def admin_client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_changelist_lists_only_visible_sites(world, admin_client_for):
    """A director's site list holds their portfolio's sites only."""
    client = admin_client_for(staff(world.user("director_p"), "view_site"))
    response = client.get("/admin/portfolio/site/")
    names = {site.name for site in response.context["cl"].result_list}
    assert names == {"Site A", "Site B"}


def test_a_foreign_object_cannot_be_opened(world, admin_client_for):
    """Opening another portfolio's site redirects with "does not exist", showing nothing."""
    client = admin_client_for(staff(world.user("director_p"), "view_site"))
    response = client.get(f"/admin/portfolio/site/{world.site_c.pk}/change/", follow=True)
    assert response.redirect_chain and "Site C" not in response.content.decode()


def test_manager_edits_an_asset_at_their_site(world, admin_client_for):
    """A site manager with change permission saves an asset of their own site."""
    client = admin_client_for(staff(world.user("manager_a"), "view_asset", "change_asset"))
    url = f"/admin/reliability/asset/{world.asset_a.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {n: ("" if form[n].value() is None else form[n].value()) for n in form.fields}
    data.update({"name": "Renamed press", "sensors-TOTAL_FORMS": "0", "sensors-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Asset.objects.get(pk=world.asset_a.pk).name == "Renamed press"


def test_manager_cannot_move_an_asset_to_a_foreign_site(world, admin_client_for):
    """Choosing a site outside the scope is refused by the form; nothing changes."""
    client = admin_client_for(staff(world.user("manager_a"), "view_asset", "change_asset"))
    url = f"/admin/reliability/asset/{world.asset_a.pk}/change/"
    form = client.get(url).context["adminform"].form
    assert set(form.fields["site"].queryset) == {world.site_a}
    data = {n: ("" if form[n].value() is None else form[n].value()) for n in form.fields}
    data.update(
        {
            "site": str(world.site_b.pk),
            "line": str(world.asset_b.line_id),
            "sensors-TOTAL_FORMS": "0",
            "sensors-INITIAL_FORMS": "0",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "site" in response.context["adminform"].form.errors
    assert Asset.objects.get(pk=world.asset_a.pk).site_id == world.site_a.pk


def test_technician_with_change_permission_still_only_views_assets(world, admin_client_for):
    """The role table wins over model permissions: a technician does not edit assets."""
    client = admin_client_for(staff(world.user("tech_a"), "view_asset", "change_asset"))
    response = client.get(f"/admin/reliability/asset/{world.asset_a.pk}/change/")
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False


def test_director_edits_own_standard_but_not_another(world, admin_client_for):
    """A director can change their portfolio's standard; another portfolio's is invisible."""
    own = StandardFactory(portfolio=world.portfolio_p)
    other = StandardFactory(portfolio=world.portfolio_q)
    client = admin_client_for(
        staff(world.user("director_p"), "view_reliabilitystandard", "change_reliabilitystandard")
    )
    listed = set(client.get("/admin/scores/reliabilitystandard/").context["cl"].result_list)
    assert listed == {own}
    url = f"/admin/scores/reliabilitystandard/{own.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {n: ("" if form[n].value() is None else form[n].value()) for n in form.fields}
    data["gap_closure_days"] = "90"
    assert client.post(url, data).status_code == 302
    assert ReliabilityStandard.objects.get(pk=own.pk).gap_closure_days == 90
    response = client.post(f"/admin/scores/reliabilitystandard/{other.pk}/change/", data)
    assert (
        response.status_code == 302
        and ReliabilityStandard.objects.get(pk=other.pk).gap_closure_days == 180
    )


def test_audit_log_is_for_superusers_only(world, admin_client_for):
    """Even a staff director with every permission cannot open the audit log."""
    client = admin_client_for(staff(world.user("director_p"), "view_auditentry"))
    assert client.get("/admin/portfolio/auditentry/").status_code == 403
