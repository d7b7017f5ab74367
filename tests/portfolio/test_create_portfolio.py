"""Creating portfolios (issue 13, defect 8): the executive's form, the API, the operator's
``portfolios`` ingest kind. Each route is also in tests/test_permission_matrix.py."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from ingest.models import Status
from ingest.services import batch_ingest_file
from portfolio.models import Portfolio
from reliability.models import EscalationRule
from reliability.services import DEFAULT_ESCALATION_RULES
from scores.models import ReliabilityStandard
from tests.factories import PortfolioFactory, UserFactory
from tests.people import client_for

pytestmark = pytest.mark.django_db

NEW = {"code": "emea", "name": "EMEA plants", "currency": "eur", "is_acquisition_target": ""}


def has_its_defaults(portfolio) -> bool:
    """The standard and the default escalation rules the post_save receivers make."""
    rules = EscalationRule.objects.filter(portfolio=portfolio).count()
    standard = ReliabilityStandard.objects.filter(portfolio=portfolio).exists()
    return standard and rules == len(DEFAULT_ESCALATION_RULES) > 0


# --- The form -------------------------------------------------------------------------


def test_an_executive_creates_a_portfolio_with_its_defaults(world):
    client = client_for(world, "executive")
    assert client.get(reverse("portfolio:portfolio-new")).status_code == 200
    response = client.post(reverse("portfolio:portfolio-new"), NEW)
    assert response.status_code == 302
    assert response["Location"] == reverse("scores:portfolio", args=["emea"])
    made = Portfolio.objects.get(code="emea")
    assert (made.name, made.currency, made.is_acquisition_target) == ("EMEA plants", "EUR", False)
    assert has_its_defaults(made)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code", "has space", "Enter a valid “slug”"),
        ("code", "P", "A portfolio coded 'p' exists (codes are compared without case)."),
        ("code", "new", "'new' is reserved"),
        ("currency", "EURO", "Ensure this value has at most 3 characters"),
        ("currency", "E1R", "'E1R' is not an ISO 4217 code"),
        ("name", "", "This field is required."),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_created(world, field, value, message):
    before = Portfolio.objects.count()
    response = client_for(world, "executive").post(
        reverse("portfolio:portfolio-new"), {**NEW, field: value}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert any(message in error for error in errors[field]), errors
    assert Portfolio.objects.count() == before


@pytest.mark.parametrize("name", ["director_p", "manager_a", "tech_a"])
def test_no_one_else_creates_a_portfolio_in_the_browser(world, name):
    client = client_for(world, name)
    assert client.get(reverse("portfolio:portfolio-new")).status_code == 403
    assert client.post(reverse("portfolio:portfolio-new"), NEW).status_code == 403
    assert not Portfolio.objects.filter(code="emea").exists()


def test_the_portfolio_list_offers_the_form_only_to_those_who_may_create(world):
    executive = client_for(world, "executive").get(reverse("portfolio:portfolios"))
    assert "New portfolio" in executive.content.decode()
    assert [p.code for p in executive.context["portfolios"]] == ["p", "q"]
    director = client_for(world, "director_p").get(reverse("portfolio:portfolios"))
    assert "New portfolio" not in director.content.decode()
    assert [p.code for p in director.context["portfolios"]] == ["p"]
    assert (
        list(client_for(world, "tech_a").get(reverse("portfolio:portfolios")).context["portfolios"])
        == []
    )
    # The executive's dashboard links to it; the director's does not.
    page = client_for(world, "executive").get(reverse("scores:portfolio", args=["p"]))
    assert reverse("portfolio:portfolio-new") in page.content.decode()
    page = client_for(world, "director_p").get(reverse("scores:portfolio", args=["p"]))
    assert reverse("portfolio:portfolio-new") not in page.content.decode()


# --- The API --------------------------------------------------------------------------


def test_the_api_creates_a_portfolio_for_an_executive(world):
    response = client_for(world, "executive").post(
        "/api/v1/portfolios/", {"code": "apac", "name": "APAC", "currency": "jpy"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "id": Portfolio.objects.get(code="apac").pk,
        "code": "apac",
        "name": "APAC",
        "currency": "JPY",
        "is_acquisition_target": False,
    }
    assert has_its_defaults(Portfolio.objects.get(code="apac"))


def test_the_operator_creates_one_through_the_api(world):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.post("/api/v1/portfolios/", {"code": "ops", "name": "Ops"}, format="json")
    assert response.status_code == 201
    assert Portfolio.objects.get(code="ops").currency == "USD"


def test_the_api_names_the_bad_field(world):
    client = client_for(world, "executive")
    response = client.post(
        "/api/v1/portfolios/", {"code": "P", "name": "Again", "currency": "EU"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"code", "currency"}
    assert "compared without case" in response.json()["code"][0]
    assert not Portfolio.objects.filter(name="Again").exists()


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("director_p", 403),
        ("manager_a", 403),
        ("tech_a", 403),
        ("integrator_a", 403),
        ("anonymous", 401),
    ],
)
def test_no_one_else_creates_one_through_the_api(world, name, status):
    response = client_for(world, name).post(
        "/api/v1/portfolios/", {"code": "x1", "name": "X"}, format="json"
    )
    assert response.status_code == status
    assert not Portfolio.objects.filter(code="x1").exists()


# --- The ingest kind ------------------------------------------------------------------


def load(tmp_path, text, user=None, name="portfolios.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return batch_ingest_file(path=path, kind="portfolios", user=user)


def counts(batch):
    return (
        batch.status,
        batch.rows_inserted,
        batch.rows_updated,
        batch.rows_duplicate,
        batch.rows_rejected,
    )


def test_the_operator_loads_portfolios_new_changed_and_again(world, tmp_path):
    PortfolioFactory(code="legacy", name="Legacy")
    text = (
        "code,name,currency,is_acquisition_target\n"
        "north,North America,usd,no\n"
        "LEGACY,Legacy plants,EUR,\n"  # the existing "legacy": codes compared without case
        "target-co,Target Co,,yes\n"  # currency defaults to USD
        "bad code,Bad,USD,no\n"
        "euro,Euro,EURO,no\n"
        "new,Reserved,USD,no\n"
        "NORTH,North again,USD,no\n"  # the same new code spelt otherwise: the same key
    )
    batch = load(tmp_path, text)
    assert counts(batch) == (Status.DONE, 2, 1, 0, 4)
    reasons = sorted(batch.rejected_rows.values_list("line", "field", "reason"))
    assert reasons == [
        (5, "code", "only letters, digits, - and _"),
        (6, "currency", "longer than 3 characters"),
        (7, "code", "reserved; choose another"),
        (8, "", "repeats the code of line 2"),
    ]
    assert Portfolio.objects.get(code="north").name == "North America"
    legacy = Portfolio.objects.get(code="legacy")
    assert (legacy.name, legacy.currency) == ("Legacy plants", "EUR")
    assert not Portfolio.objects.filter(code="LEGACY").exists()
    target = Portfolio.objects.get(code="target-co")
    assert (target.currency, target.is_acquisition_target) == ("USD", True)
    for code in ("north", "target-co", "legacy"):
        assert has_its_defaults(Portfolio.objects.get(code=code)), code
    # Sent again: nothing changes.
    again = load(tmp_path, text, name="again.csv")
    assert counts(again) == (Status.DONE, 0, 0, 3, 4)
    assert EscalationRule.objects.filter(portfolio=target).count() == len(DEFAULT_ESCALATION_RULES)


def test_only_the_operator_loads_portfolios(world, tmp_path):
    for name in ("manager_a", "integrator_a", "executive"):
        with pytest.raises(PermissionDenied):
            load(tmp_path, "code,name\nz,Z\n", user=world.user(name))
    assert not Portfolio.objects.filter(code="z").exists()


def test_the_database_refuses_a_code_that_differs_only_in_case(world):
    """The form, API and ingest compare codes without case; two creates racing past those
    checks are stopped by the table itself."""
    Portfolio.objects.create(code="acme", name="Acme")
    with pytest.raises(IntegrityError), transaction.atomic():
        Portfolio.objects.create(code="ACME", name="Acme again")
    assert Portfolio.objects.filter(code__iexact="acme").count() == 1


def test_the_migration_names_codes_that_differ_only_in_case(world):
    """A database from before the constraint may hold "ACME" and "acme": the migration stops
    and names them rather than fail on the index or merge two portfolios' data."""
    migration = importlib.import_module("portfolio.migrations.0006_portfolio_code_unique_any_case")
    with connection.cursor() as cursor:  # as before 0006 (rolled back with the test)
        cursor.execute("DROP INDEX portfolio_code_unique_any_case")
    Portfolio.objects.create(code="acme", name="Acme")
    Portfolio.objects.create(code="ACME", name="Acme again")
    with pytest.raises(RuntimeError, match="'acme' and 'ACME'|'ACME' and 'acme'"):
        migration.refuse_codes_differing_only_in_case(apps, None)
    Portfolio.objects.filter(code="ACME").update(code="acme-2")
    migration.refuse_codes_differing_only_in_case(apps, None)  # renamed: it passes
