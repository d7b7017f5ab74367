"""The reliability standard page: who sees it, who edits it, how edits are checked and
versioned, and the history of versions."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portfolio.models import AuditEntry
from scores import scheduling, services
from scores.forms import FRACTION_FIELDS, STANDARD_FIELDS, WEIGHT_FIELDS, percent_text
from scores.models import ReliabilityStandard
from tests.people import client_for

pytestmark = pytest.mark.django_db

URL = "/portfolios/p/standard/"


@pytest.fixture
def recomputes(monkeypatch):
    """The site ids each scheduled recompute asked for (no broker needed)."""
    calls = []
    monkeypatch.setattr(
        scheduling, "schedule_site_recompute", lambda ids: calls.append(sorted(ids))
    )
    return calls


def signed_in(world, name):
    client = Client()
    client.force_login(world.user(name))
    return client


def shown(standard, name) -> str:
    """A field's value as the form shows it: fractions as percentages (0.900 → "90")."""
    value = getattr(standard, name)
    return percent_text(value) if name in FRACTION_FIELDS else str(value)


def payload(standard, **changes):
    """The form as the page renders it for ``standard``, with ``changes`` typed in."""
    data = {name: shown(standard, name) for name in STANDARD_FIELDS}
    data["based_on_version"] = str(standard.version)
    data.update({name: str(value) for name, value in changes.items()})
    return data


def standard_of(world):
    return ReliabilityStandard.objects.get(portfolio=world.portfolio_p)


def entries(standard):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ReliabilityStandard),
        object_id=str(standard.pk),
    ).order_by("id")


# --- Who gets in -----------------------------------------------------------------------------

# P's standard: its director, executives and people at its sites (A and B) see it; the
# director of Q sees nothing of P. The token-only integrator has no session: sent to sign in.
GET_STATUS = {
    "anonymous": 302,
    "tech_a": 200,
    "tech_b": 200,
    "manager_a": 200,
    "director_p": 200,
    "director_q": 404,
    "executive": 200,
    "integrator_a": 302,
}
# Writing: directors of P and executives; people at P's sites see but may not (403).
POST_STATUS = {
    **GET_STATUS,
    "tech_a": 403,
    "tech_b": 403,
    "manager_a": 403,
    "director_p": 302,
    "executive": 302,
}


@pytest.mark.parametrize("name", list(GET_STATUS))
def test_who_sees_the_standard(world, name):
    """GET answers per role; the form shows only for those who may save it."""
    response = client_for(world, name).get(URL)
    assert response.status_code == GET_STATUS[name]
    if response.status_code == 200:
        assert b"Version 1" in response.content
        may_edit = name in {"director_p", "executive"}
        assert (b'name="min_cm_coverage_tier1"' in response.content) is may_edit
        assert (response.context["form"] is not None) is may_edit


@pytest.mark.parametrize("name", list(POST_STATUS))
def test_who_may_save_the_standard(world, name, recomputes):
    """POST answers per role; only a permitted save raises the version."""
    standard, _ = ReliabilityStandard.objects.get_or_create(portfolio=world.portfolio_p)
    response = client_for(world, name).post(URL, payload(standard, min_cm_coverage_tier1="95"))
    assert response.status_code == POST_STATUS[name]
    expected_version = 2 if name in {"director_p", "executive"} else 1
    assert standard_of(world).version == expected_version


def test_an_integrator_session_is_refused(world):
    """Integrator-only accounts have no pages, even signed in with a password."""
    assert signed_in(world, "integrator_a").get(URL).status_code == 403


def test_a_new_portfolio_has_the_default_standard_and_pages_only_read_it(world):
    """Every portfolio has its standard, with the product's defaults, from its creation on;
    opening the page, allowed or refused, creates or changes nothing."""
    standard = standard_of(world)
    assert (standard.version, standard.min_cm_coverage_tier1) == (1, Decimal("0.900"))
    count = ReliabilityStandard.objects.count()
    assert signed_in(world, "director_q").get(URL).status_code == 404
    response = signed_in(world, "tech_a").get(URL)
    assert ReliabilityStandard.objects.count() == count
    assert standard_of(world).version == 1
    html = response.content.decode()
    assert '<td class="num">90 %</td>' in html
    assert "the product's default values" in html and "SPEC" not in html


def test_groups_units_and_help_are_shown(world):
    """The thresholds come in the admin's groups, each with its unit and what it means."""
    html = signed_in(world, "tech_a").get(URL).content.decode()
    assert html.index("<h2>Minimums</h2>") < html.index("<h2>Exposure</h2>")
    assert html.index("<h2>Exposure</h2>") < html.index("<h2>Maturity weights</h2>")
    assert "Emergency premium factor" in html
    assert "× planned cost" in html
    assert "Share of Tier 1 assets with a fresh sensor (0–100 %)." in html
    assert "events in the last 2 quarters" in html


# --- Saving --------------------------------------------------------------------------------


def test_a_save_bumps_the_version_audits_and_recomputes_every_site(
    world, recomputes, django_capture_on_commit_callbacks
):
    """Directors save a new version: values stored, editor recorded, change audited field
    by field, and after commit a recompute of sites A and B queued."""
    client = signed_in(world, "director_p")
    client.get(URL)
    standard = standard_of(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL, payload(standard, min_cm_coverage_tier1="95", gap_closure_days=90), follow=True
        )
    saved = standard_of(world)
    assert (saved.version, saved.min_cm_coverage_tier1, saved.gap_closure_days) == (
        2,
        Decimal("0.950"),
        90,
    )
    assert saved.updated_by == world.user("director_p")
    assert recomputes == [sorted([world.site_a.pk, world.site_b.pk])]
    assert "Saved as version 2; scores are being recomputed." in response.content.decode()
    change = entries(saved).last()
    assert change.actor_name == "director_p"
    assert change.changes["version"] == [1, 2]
    assert change.changes["min_cm_coverage_tier1"] == ["0.900", "0.950"]
    assert change.changes["gap_closure_days"] == [180, 90]


def test_an_unchanged_form_changes_nothing(world, recomputes, django_capture_on_commit_callbacks):
    """Submitting the form as shown (90.0 % typed for the stored 0.900) keeps version 1,
    adds no history and queues no recompute."""
    client = signed_in(world, "executive")
    client.get(URL)
    standard = standard_of(world)
    before = entries(standard).count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, payload(standard, min_cm_coverage_tier1="90.0"), follow=True)
    assert standard_of(world).version == 1
    assert entries(standard).count() == before
    assert recomputes == []
    assert "No value changed" in response.content.decode()


PERCENT_RULE = "a percentage between 0 and 100 with at most 1 decimal"
INVALID = [
    ("min_cm_coverage_tier1", {"min_cm_coverage_tier1": "150"}, f"{PERCENT_RULE} (e.g. 90 or"),
    ("min_cm_coverage_tier1", {"min_cm_coverage_tier1": "-10"}, "Got -10 %."),
    # 1200 % would break the column's digit limit: the message says what is wanted.
    ("expected_reduction", {"expected_reduction": "1200"}, PERCENT_RULE),
    # 80.05 % is 0.8005: a 4th decimal of the fraction, reported in percent.
    ("min_changeover_utilization", {"min_changeover_utilization": "80.05"}, PERCENT_RULE),
    (
        "max_alert_response_p90_hours",
        {"max_alert_response_median_hours": "8", "max_alert_response_p90_hours": "6"},
        "p90 maximum (6 h) must be at least the median maximum (8 h)",
    ),
    ("max_alert_response_median_hours", {"max_alert_response_median_hours": "0"}, "above 0 h"),
    (
        "tolerated_penalty_events_2q",
        {"target_penalty_events_2q": 3, "tolerated_penalty_events_2q": 1},
        "Tolerated penalty events (1) must be at least the target (3)",
    ),
    ("weight_changeover", {"weight_changeover": "-0.25"}, "cannot be negative"),
    ("emergency_premium_factor", {"emergency_premium_factor": "0.5"}, "at least 1"),
    ("gap_closure_days", {"gap_closure_days": 0}, "at least 1 day"),
]


@pytest.mark.parametrize(("field", "changes", "message"), INVALID)
def test_invalid_values_are_reported_on_their_field(world, recomputes, field, changes, message):
    """Each rule of the model's constraints answers on the field concerned, in words; the
    page re-renders (200), nothing is saved and the saved values are still shown."""
    client = signed_in(world, "director_p")
    client.get(URL)
    response = client.post(URL, payload(standard_of(world), **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field]), errors
    assert standard_of(world).version == 1
    assert recomputes == []
    html = response.content.decode()
    assert "Nothing was saved: correct the fields marked below." in html
    # The "current value" column shows what is saved, not what was typed.
    assert '<td class="num">90 %</td>' in html


def test_all_weights_zero_is_reported_on_each_weight(world):
    """Weights may be 0 one by one, not all four: each weight field says so."""
    client = signed_in(world, "director_p")
    client.get(URL)
    response = client.post(URL, payload(standard_of(world), **dict.fromkeys(WEIGHT_FIELDS, "0")))
    errors = response.context["form"].errors
    for name in WEIGHT_FIELDS:
        assert errors[name] == ["All four weights are 0: at least one must be above 0."]
    assert standard_of(world).version == 1


def test_a_save_over_a_newer_version_is_refused_then_possible(world, recomputes):
    """Two editors: the second, still on version 1, is told that version 2 exists and
    nothing of theirs is saved; submitting again (now based on 2) saves version 3."""
    client = signed_in(world, "director_p")
    client.get(URL)
    stale = payload(standard_of(world), gap_closure_days=120)
    services.standard_update(
        standard=standard_of(world), data={"emergency_premium_factor": "2.5"}, user=None
    )
    response = client.post(URL, stale)
    assert response.status_code == 200
    assert "saved version 2 of this standard while you were editing" in response.content.decode()
    assert standard_of(world).gap_closure_days == 180
    form = response.context["form"]
    assert form["based_on_version"].value() == "2"
    resubmit = {**stale, "based_on_version": "2", "emergency_premium_factor": "2.50"}
    assert client.post(URL, resubmit).status_code == 302
    saved = standard_of(world)
    assert (saved.version, saved.gap_closure_days, saved.emergency_premium_factor) == (
        3,
        120,
        Decimal("2.50"),
    )


# --- The service ---------------------------------------------------------------------------


def test_standard_update_converts_compares_and_validates(world, recomputes):
    """Strings are read as the fields read them; equal values are no change; a value the
    constraints refuse raises ValidationError; fixed fields are refused."""
    standard, _ = ReliabilityStandard.objects.get_or_create(portfolio=world.portfolio_p)
    same = services.standard_update(
        standard=standard, data={"expected_reduction": "0.8"}, user=None
    )
    assert same.version == 1
    with pytest.raises(ValidationError) as refused:
        services.standard_update(
            standard=standard, data={"emergency_premium_factor": "0.9"}, user=None
        )
    # The form words each rule on its field; the service's check is the guard for other
    # callers, and names the constraint.
    assert "standard_premium_factor_ge_1" in str(refused.value)
    with pytest.raises(ValueError, match="version"):
        services.standard_update(standard=standard, data={"version": 9}, user=None)
    assert standard_of(world).version == 1


# --- History ---------------------------------------------------------------------------------


def test_history_lists_versions_newest_first_with_readable_fields(world, recomputes):
    """Each saved change: when, who, the version step, and each field by its name with
    before → after and the unit."""
    client = signed_in(world, "director_p")
    client.get(URL)
    client.post(URL, payload(standard_of(world), min_cm_coverage_tier1="95"))
    exec_client = signed_in(world, "executive")
    exec_client.post(URL, payload(standard_of(world), tolerated_penalty_events_2q=3))
    history = exec_client.get(URL).context["history"]
    assert [(row["who"], row["version_before"], row["version_after"]) for row in history] == [
        ("executive", 2, 3),
        ("director_p", 1, 2),
        ("system", None, 1),  # created with the defaults, with the portfolio
    ]
    assert history[0]["fields"] == [
        {
            "label": "OEM penalty events, tolerated",
            "before": 2,
            "after": 3,
            "unit": "events in the last 2 quarters",
        }
    ]
    html = exec_client.get(URL).content.decode()
    assert "Condition-monitoring coverage of Tier 1 assets, minimum: 90 → 95 %" in html
    assert "v1 → v2" in html and "v2 → v3" in html


def test_history_paginates_and_its_query_count_is_pinned(world, django_assert_max_num_queries):
    """60 changes: 50 on page 1 and 10 on page 2; the page's queries do not grow with the
    number of entries (one for the count, one for the page of entries)."""
    standard, _ = ReliabilityStandard.objects.get_or_create(portfolio=world.portfolio_p)
    content_type = ContentType.objects.get_for_model(ReliabilityStandard)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=world.user("director_p"),
            actor_name="director_p",
            action="update",
            content_type=content_type,
            object_id=str(standard.pk),
            object_repr=str(standard),
            changes={"version": [n, n + 1], "gap_closure_days": [100 + n, 101 + n]},
        )
        for n in range(1, 60)
    )
    client = signed_in(world, "tech_b")
    client.get(URL)  # warm the session and content type caches
    # session, user, memberships, portfolio (with visibility), standard, count, entries
    with django_assert_max_num_queries(7):
        first = client.get(URL)
    assert len(first.context["history"]) == 50
    assert first.context["page"].paginator.count == 60  # 59 updates + the creation
    assert first.context["history"][0]["version_after"] == 60  # newest first (highest id)
    second = client.get(URL + "?page=2")
    assert len(second.context["history"]) == 10
    with CaptureQueriesContext(connection) as few:
        client.get(URL + "?page=2")
    assert len(few.captured_queries) <= 7


def test_anonymous_is_sent_to_sign_in(world):
    response = client_for(world, "anonymous").get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert isinstance(world.user("anonymous"), AnonymousUser)
