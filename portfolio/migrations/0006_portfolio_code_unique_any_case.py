# Portfolio codes are compared without case (form, API, ingest); the table enforces it.

import django.db.models.functions.text
from django.db import migrations, models


def refuse_codes_differing_only_in_case(apps, schema_editor):
    """Two portfolios whose codes differ only in case cannot be merged by a migration:
    sites, memberships and standards point at each. Name them and stop, so the operator
    renames one (admin, or the API) and migrates again."""
    Portfolio = apps.get_model("portfolio", "Portfolio")
    seen: dict[str, list[str]] = {}
    for code in Portfolio.objects.values_list("code", flat=True):
        seen.setdefault(code.lower(), []).append(code)
    clashes = [codes for codes in seen.values() if len(codes) > 1]
    if clashes:
        listed = "; ".join(" and ".join(repr(c) for c in codes) for codes in clashes)
        raise RuntimeError(
            f"Portfolio codes must differ in more than case: {listed}. Rename one of each "
            "pair (e.g. in the admin), then run migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0005_scores_and_escalations_move_out"),
    ]

    operations = [
        migrations.RunPython(refuse_codes_differing_only_in_case, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="portfolio",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("code"),
                name="portfolio_code_unique_any_case",
            ),
        ),
    ]
