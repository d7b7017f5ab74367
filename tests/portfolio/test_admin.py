"""The admin: every model is there and its pages load; editing a standard versions it."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

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
OUR_APPS = ("portfolio", "reliability", "oem")


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
