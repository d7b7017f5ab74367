"""Every portfolio has the default escalation rules from its creation on
(``reliability.receivers``); this gives them to each portfolio that has no rule yet. The
rules are copied here as they are today, as a migration must not follow later code."""

from decimal import Decimal

from django.db import migrations

DEFAULT_RULES = [
    {
        "name": "Tier 1 alert not acknowledged within 4 h",
        "trigger": "unacknowledged",
        "tier": 1,
        "after_hours": Decimal("4"),
        "notify_role": "site_manager",
    },
    {
        "name": "Zone D on a JIT-linked line",
        "trigger": "zone_d_jit",
        "tier": None,
        "after_hours": Decimal("4"),
        "notify_role": "director",
    },
]


def create_missing_rules(apps, schema_editor):
    Portfolio = apps.get_model("portfolio", "Portfolio")
    EscalationRule = apps.get_model("reliability", "EscalationRule")
    without = Portfolio.objects.filter(escalation_rules__isnull=True).values_list("pk", flat=True)
    EscalationRule.objects.bulk_create(
        [EscalationRule(portfolio_id=pk, **rule) for pk in without for rule in DEFAULT_RULES]
    )


class Migration(migrations.Migration):
    dependencies = [("reliability", "0005_escalations_beside_alerts")]

    operations = [migrations.RunPython(create_missing_rules, migrations.RunPython.noop)]
