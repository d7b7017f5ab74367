"""The admin: every model is there and its pages load; editing a standard versions it."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from portfolio.models import Portfolio
from reliability.models import Reading, ReadingDaily, ReadingHourly
from scores.models import ReliabilityStandard
from tests.factories import (
    AlertFactory,
    PenaltyFactory,
    PortfolioFactory,
    ReadingFactory,
    StandardFactory,
    UserFactory,
    WorkOrderFactory,
)

pytestmark = pytest.mark.django_db
OUR_APPS = ("portfolio", "reliability", "oem", "scores")


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_every_model_is_registered_except_readings():
    """Each model of our apps has an admin; readings and their roll-ups cannot (composite
    keys) and have none."""
    composite = (Reading, ReadingHourly, ReadingDaily)
    models = [m for name in OUR_APPS for m in apps.get_app_config(name).get_models()]
    missing = [m.__name__ for m in models if m not in composite and not admin.site.is_registered(m)]
    assert missing == []
    assert not any(admin.site.is_registered(m) for m in composite)


def test_every_changelist_and_change_page_loads(superuser_client):
    """Changelists, searches and one change page per model answer 200."""
    WorkOrderFactory()
    AlertFactory()
    PenaltyFactory()
    reading = ReadingFactory()
    StandardFactory()
    for model in list(admin.site._registry):
        if model._meta.app_label not in OUR_APPS:
            continue
        info = (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        assert superuser_client.get(changelist).status_code == 200, changelist
        assert superuser_client.get(changelist, {"q": "x"}).status_code == 200, changelist
        obj = model.objects.first()
        if obj is not None:
            change = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            assert superuser_client.get(change).status_code == 200, change
    sensor_page = reverse("admin:reliability_sensor_change", args=[reading.sensor_id])
    assert "1 reading" in superuser_client.get(sensor_page).content.decode()


def test_editing_a_standard_raises_its_version_and_records_the_editor(superuser_client):
    """Saving a changed standard bumps version by one and stamps who changed it."""
    standard = StandardFactory(portfolio=PortfolioFactory())
    url = reverse("admin:scores_reliabilitystandard_change", args=[standard.pk])
    form = superuser_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["min_cm_coverage_tier1"] = "0.950"
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    standard.refresh_from_db()
    assert (standard.version, standard.updated_by.username) == (2, "root")
    assert str(standard.min_cm_coverage_tier1) == "0.950"
    assert ReliabilityStandard.objects.count() == 1


def test_a_standard_goes_only_with_its_portfolio(superuser_client):
    """Every page measures the sites against the portfolio's standard, so the admin neither
    adds a second one nor deletes it; the portfolio's page edits it inline, no delete box."""
    standard = StandardFactory()
    changelist = reverse("admin:scores_reliabilitystandard_changelist")
    assert superuser_client.get(reverse("admin:scores_reliabilitystandard_add")).status_code == 403
    delete = reverse("admin:scores_reliabilitystandard_delete", args=[standard.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert ReliabilityStandard.objects.filter(pk=standard.pk).exists()
    page = superuser_client.get(
        reverse("admin:portfolio_portfolio_change", args=[standard.portfolio_id])
    ).content.decode()
    assert "standard-0-min_cm_coverage_tier1" in page and "standard-0-DELETE" not in page
    assert superuser_client.get(changelist).status_code == 200


def test_a_portfolio_added_in_the_admin_gets_its_defaults(superuser_client):
    """The add page has no standard inline (the standard is made when the portfolio is
    saved); the new portfolio has its standard and escalation rules."""
    add = reverse("admin:portfolio_portfolio_add")
    assert "standard-0-" not in superuser_client.get(add).content.decode()
    response = superuser_client.post(add, {"code": "north", "name": "North", "currency": "USD"})
    assert response.status_code == 302
    portfolio = Portfolio.objects.get(code="north")
    assert ReliabilityStandard.objects.filter(portfolio=portfolio, version=1).exists()
    assert portfolio.escalation_rules.count() == 2
