"""Database-enforced site consistency, and the starting failure-mode catalogue.

Django has no composite foreign keys, so these are added in SQL: a row that names both
an asset and a site (or an asset's line and site) cannot disagree about the site.
"""

from django.db import migrations

COMPOSITE_FKS = [
    # (table, constraint, columns, referenced table, referenced columns)
    ("reliability_asset", "asset_line_same_site_fk", "line_id, site_id",
     "portfolio_line", "id, site_id"),
    ("reliability_workorder", "workorder_asset_same_site_fk", "asset_id, site_id",
     "reliability_asset", "id, site_id"),
    ("reliability_preventedfailure", "prevented_asset_same_site_fk", "asset_id, site_id",
     "reliability_asset", "id, site_id"),
]

# (code, name, ISO 14224 mechanism, detectable by condition monitoring)
FAILURE_MODES = [
    ("bearing-wear", "Bearing wear", "2.4", True),
    ("bearing-fatigue", "Bearing fatigue spall", "2.6", True),
    ("misalignment", "Shaft misalignment", "1.3", True),
    ("imbalance", "Rotor imbalance", "1.2", True),
    ("looseness", "Mechanical looseness", "1.5", True),
    ("gear-tooth-wear", "Gear tooth wear", "2.4", True),
    ("lubrication-breakdown", "Lubrication breakdown / overheating", "2.7", True),
    ("motor-winding-overheat", "Motor winding overheating", "2.7", True),
    ("cavitation", "Pump cavitation", "2.1", True),
    ("belt-wear", "Belt wear", "2.4", True),
    ("insulation-failure", "Winding insulation failure", "4.5", True),
    ("hydraulic-leak", "Hydraulic leak", "1.1", False),
    ("seal-leak", "Seal leak", "1.1", False),
    ("die-breakage", "Die or tool breakage", "2.5", False),
    ("sensor-fault", "Sensor or encoder fault", "3.3", False),
    ("control-fault", "PLC / control fault", "3.1", False),
    ("software-fault", "Software fault", "3.5", False),
    ("power-loss", "Loss of power supply", "4.3", False),
    ("short-circuit", "Short circuit", "4.1", False),
    ("contamination", "Contamination / blockage", "5.2", False),
    ("operator-error", "Operating error", "5.3", False),
    ("unknown", "Unknown", "6.4", False),
]


def add_failure_modes(apps, schema_editor):
    FailureMode = apps.get_model("reliability", "FailureMode")
    for code, name, mechanism, detectable in FAILURE_MODES:
        FailureMode.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "mechanism": mechanism,
                "detectable_by_condition_monitoring": detectable,
            },
        )


def remove_failure_modes(apps, schema_editor):
    FailureMode = apps.get_model("reliability", "FailureMode")
    FailureMode.objects.filter(code__in=[row[0] for row in FAILURE_MODES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reliability", "0001_initial"),
        ("portfolio", "0001_initial"),
    ]

    operations = [
        *[
            migrations.RunSQL(
                sql=(
                    f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({cols}) "
                    f"REFERENCES {ref} ({ref_cols}) DEFERRABLE INITIALLY DEFERRED"
                ),
                reverse_sql=f"ALTER TABLE {table} DROP CONSTRAINT {name}",
            )
            for table, name, cols, ref, ref_cols in COMPOSITE_FKS
        ],
        migrations.RunPython(add_failure_modes, remove_failure_modes),
    ]
