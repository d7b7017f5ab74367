"""Every portfolio has its standard from its creation on (``scores.receivers``); this gives
one, with the SPEC §4 defaults, to each portfolio that has none yet."""

from django.db import migrations


def create_missing_standards(apps, schema_editor):
    Portfolio = apps.get_model("portfolio", "Portfolio")
    ReliabilityStandard = apps.get_model("scores", "ReliabilityStandard")
    ReliabilityStandard.objects.bulk_create(
        [
            ReliabilityStandard(portfolio_id=pk)
            for pk in Portfolio.objects.filter(standard__isnull=True).values_list("pk", flat=True)
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("scores", "0001_initial")]

    operations = [migrations.RunPython(create_missing_standards, migrations.RunPython.noop)]
