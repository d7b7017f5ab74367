"""The snapshot's shape is one contract: the writer writes exactly what ``scores.snapshot``
declares, the key constants are that shape, and every page built from a computed snapshot
reads only names that exist."""

import copy
import datetime as dt
import typing

import pytest
from django.contrib.auth import get_user_model
from django.db.models.expressions import RawSQL
from django.test import Client, override_settings

from oem.models import OEMRelationship
from scores.figures.site import compute_site_figures
from scores.models import SiteScoreSnapshot
from scores.selectors import site_scoring_inputs
from scores.services import site_recompute_scores
from scores.snapshot import (
    FIGURES,
    SCORE_COLUMNS,
    Detail,
    SnapshotDetails,
    Window,
    Windows,
    complete,
    details_problems,
)
from tests.factories import SiteFactory
from tests.scores.conftest import DEMO_END

pytestmark = pytest.mark.django_db

AS_OF = DEMO_END - dt.timedelta(days=1)
INVALID = "@@INVALID@@"


@pytest.fixture
def scored(demo):
    """The small demo's sites, each with its snapshot as of the day before the data ends."""
    for site in demo:
        site_recompute_scores(site_id=site.pk, as_of=AS_OF)
    return demo


def test_the_key_constants_are_the_shape():
    """``Detail`` names every top-level key of ``details`` and ``Window`` every window."""
    assert set(Detail) == set(typing.get_type_hints(SnapshotDetails))
    assert set(Window) == set(typing.get_type_hints(Windows))
    assert set(SCORE_COLUMNS.values()) <= set(FIGURES)


def test_the_figures_are_the_snapshot_columns():
    """``FIGURES`` is every figure column of the model, and what the writer returns."""
    columns = {
        f.name
        for f in SiteScoreSnapshot._meta.concrete_fields
        if f.name not in ("id", "site", "as_of", "computed_at", "standard_version", "details")
    }
    assert set(FIGURES) == columns


def test_a_computed_snapshot_has_exactly_the_declared_shape(scored):
    """Every demo site, and a site with no data at all, computes details with every key
    the shape declares and none it does not."""
    bare = SiteFactory()
    for site in [*scored, bare]:
        figures = compute_site_figures(site_scoring_inputs(site.pk, AS_OF))
        assert set(figures) == {*FIGURES, "details"}
        assert details_problems(figures["details"]) == [], site.code


def test_a_renamed_key_is_reported(scored):
    """A writer that renamed ``maturity.values.cm_coverage`` breaks the contract loudly."""
    details = copy.deepcopy(SiteScoreSnapshot.objects.filter(site=scored[0]).get().details)
    values = details["maturity"]["values"]
    values["coverage"] = values.pop("cm_coverage")
    details["windows"]["mtbf"]["label"] = 3
    problems = details_problems(details)
    assert "details.maturity.values.cm_coverage: missing" in problems
    assert "details.maturity.values.coverage: not in the shape" in problems
    assert "details.windows.mtbf.label: expected str, got 3" in problems


def _strict_templates(settings):
    """The project's templates with a marker for any name a template reads that does not
    exist (Django shows such a name as "" by default, which hides a renamed key)."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["string_if_invalid"] = INVALID + "%s"
    return templates


def test_every_page_reads_only_names_that_exist(scored, settings):
    """The pages built from computed snapshots: every name their templates read exists
    (the site page once reached into ``details`` by about 20 dotted paths)."""
    client = Client()
    client.force_login(get_user_model().objects.get(username="vp"))
    site = scored[0]
    relationship = OEMRelationship.objects.filter(site=site).select_related("customer").first()
    urls = [
        f"/portfolios/{site.portfolio.code}/",
        f"/portfolios/{site.portfolio.code}/translation/",
        f"/sites/{site.code}/",
        f"/oem/relationships/{relationship.pk}/",
        f"/oem/customers/{relationship.customer.code}/",
    ]
    with override_settings(TEMPLATES=_strict_templates(settings)):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert INVALID not in html, (url, html[html.find(INVALID) - 200 :][:400])


def test_a_stored_details_is_read_over_the_shape():
    """A part missing, or stored as null, reads as its blank; rows of a list are completed;
    what the shape does not know is kept."""
    details = complete({"tier1": None, "gaps": [{"dimension": "cm_coverage"}], "extra": 1})
    assert details_problems({k: v for k, v in details.items() if k != "extra"}) == []
    assert details["tier1"] == [] and details["extra"] == 1
    assert details["gaps"][0]["dimension"] == "cm_coverage" and details["gaps"][0]["value"] is None
    assert details["maturity"]["values"]["cm_coverage"] is None
    assert complete(None)["windows"]["mtbf"]["label"] is None


def test_a_snapshot_stored_before_a_part_existed_still_shows(scored):
    """Snapshots kept from before a part existed (no ``tier1``), or with no details at all,
    show "—" for what they lack: every page answers 200."""
    first, second = scored[0], scored[1]
    SiteScoreSnapshot.objects.filter(site=first).update(details=RawSQL("details - 'tier1'", []))
    SiteScoreSnapshot.objects.filter(site=second).update(details={})
    client = Client()
    client.force_login(get_user_model().objects.get(username="vp"))
    code = first.portfolio.code
    for url in (
        f"/sites/{first.code}/",
        f"/sites/{second.code}/",
        f"/portfolios/{code}/",
        f"/portfolios/{code}/translation/",
        f"/api/v1/portfolios/{first.portfolio_id}/figures/",
    ):
        assert client.get(url).status_code == 200, url
    relationship = OEMRelationship.objects.filter(site=second).first()
    if relationship is not None:
        assert client.get(f"/oem/relationships/{relationship.pk}/").status_code == 200
    site_recompute_scores(site_id=second.pk, as_of=AS_OF + dt.timedelta(days=1))
