"""A portfolio's defaults (its reliability standard, its escalation rules) are made once,
when it is created, by the services the apps above the organisation connect to its
creation; a data migration gives them to portfolios that existed before."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from portfolio.models import Portfolio
from reliability.models import EscalationRule
from reliability.services import DEFAULT_ESCALATION_RULES, escalation_rules_create_defaults
from scores.models import ReliabilityStandard
from tests.factories import PortfolioFactory

pytestmark = pytest.mark.django_db


def test_a_new_portfolio_has_its_standard_and_escalation_rules():
    portfolio = PortfolioFactory()
    standard = ReliabilityStandard.objects.get(portfolio=portfolio)
    assert (standard.version, standard.min_cm_coverage_tier1) == (1, Decimal("0.900"))
    rules = EscalationRule.objects.filter(portfolio=portfolio).order_by("name")
    assert [(r.name, r.notify_role, r.is_active) for r in rules] == [
        ("Tier 1 alert not acknowledged within 4 h", "site_manager", True),
        ("Zone D on a JIT-linked line", "director", True),
    ]


def test_saving_a_portfolio_again_keeps_its_defaults_as_edited():
    """Only creation makes defaults: a director's edits survive later saves."""
    portfolio = PortfolioFactory()
    EscalationRule.objects.filter(portfolio=portfolio).update(is_active=False)
    portfolio.name = "Renamed"
    portfolio.save()
    assert not EscalationRule.objects.filter(portfolio=portfolio, is_active=True).exists()
    assert EscalationRule.objects.filter(portfolio=portfolio).count() == 2


def test_the_default_rules_are_made_once():
    portfolio = PortfolioFactory()
    escalation_rules_create_defaults(portfolio=portfolio)
    assert EscalationRule.objects.filter(portfolio=portfolio).count() == len(
        DEFAULT_ESCALATION_RULES
    )


def _migration(app_label, name):
    return importlib.import_module(f"{app_label}.migrations.{name}")


def test_the_data_migrations_fill_portfolios_that_have_none():
    """Portfolios made before their defaults were (rows deleted here to stand for them) get
    a standard and the rules; a portfolio with its own keeps them."""
    bare, kept = PortfolioFactory(), PortfolioFactory()
    ReliabilityStandard.objects.filter(portfolio=bare).delete()
    EscalationRule.objects.filter(portfolio=bare).delete()
    ReliabilityStandard.objects.filter(portfolio=kept).update(gap_closure_days=90)
    EscalationRule.objects.filter(portfolio=kept).exclude(name__startswith="Zone").delete()

    _migration("scores", "0002_default_standards").create_missing_standards(apps, None)
    _migration("reliability", "0006_default_escalation_rules").create_missing_rules(apps, None)

    assert ReliabilityStandard.objects.get(portfolio=bare).gap_closure_days == 180
    assert ReliabilityStandard.objects.get(portfolio=kept).gap_closure_days == 90
    assert EscalationRule.objects.filter(portfolio=bare).count() == 2
    assert EscalationRule.objects.filter(portfolio=kept).count() == 1
    assert Portfolio.objects.count() == ReliabilityStandard.objects.count()


def test_the_migration_copy_of_the_rules_matches_the_service():
    """The migration keeps its own copy of the default rules (a migration must not follow
    later code); today they are the same rules."""
    copied = _migration("reliability", "0006_default_escalation_rules").DEFAULT_RULES
    assert [{**rule} for rule in copied] == [
        {**rule, "trigger": str(rule["trigger"])} for rule in DEFAULT_ESCALATION_RULES
    ]
