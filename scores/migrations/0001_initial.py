"""The scores' models, moved from the portfolio app with their tables (``db_table``) and
rows: state only, instant on any database."""

import functools

import django.db.models.deletion
import django.db.models.expressions
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


def _move_content_types(apps, *, models, source, target):
    """Relabel the content types of ``models`` from app ``source`` to ``target``, so they
    keep their ids and with them permissions, admin log and audit entries. A content type
    the target app already has (a process of the new code looked one up before this
    migration ran) is folded into the old one: its log and audit rows point to the old
    one, its permissions go (the old one has the same)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    AuditEntry = apps.get_model("portfolio", "AuditEntry")
    for model in models:
        kept = ContentType.objects.filter(app_label=source, model=model).first()
        if kept is None:
            continue
        clash = ContentType.objects.filter(app_label=target, model=model).first()
        if clash is not None:
            LogEntry.objects.filter(content_type=clash).update(content_type=kept)
            AuditEntry.objects.filter(content_type=clash).update(content_type=kept)
            clash.delete()
        kept.app_label = target
        kept.save(update_fields=["app_label"])


def rename_content_types(apps, schema_editor, *, models, app_label):
    _move_content_types(apps, models=models, source="portfolio", target=app_label)


def restore_content_types(apps, schema_editor, *, models, app_label):
    _move_content_types(apps, models=models, source=app_label, target="portfolio")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('admin', '0003_logentry_add_action_flag_choices'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('portfolio', '0005_scores_and_escalations_move_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CapitalProposal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('amount', models.DecimalField(decimal_places=2, help_text='Proposed investment, portfolio currency.', max_digits=16)),
                        ('description', models.CharField(blank=True, max_length=300)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('site', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='capital_proposal', to='portfolio.site')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'portfolio_capitalproposal',
                        'ordering': ['site'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='capital_proposal_amount_non_negative')],
                    },
                ),
                migrations.CreateModel(
                    name='ReliabilityStandard',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('min_cm_coverage_tier1', models.DecimalField(decimal_places=3, default=Decimal('0.900'), help_text='Share of Tier 1 assets with a fresh sensor (0–1).', max_digits=4)),
                        ('cm_freshness_hours', models.PositiveIntegerField(default=24, help_text='A sensor counts for coverage if it reported within this many hours.')),
                        ('min_changeover_utilization', models.DecimalField(decimal_places=3, default=Decimal('0.800'), help_text='Maintenance minutes executed ÷ available, last 4 windows (0–1).', max_digits=4)),
                        ('max_alert_response_median_hours', models.DecimalField(decimal_places=2, default=Decimal('4'), max_digits=6)),
                        ('max_alert_response_p90_hours', models.DecimalField(decimal_places=2, default=Decimal('24'), max_digits=6)),
                        ('min_jit_failures_documented', models.DecimalField(decimal_places=3, default=Decimal('1.000'), help_text='Share of unplanned failures on JIT-linked lines with a failure mode (0–1).', max_digits=4)),
                        ('target_penalty_events_2q', models.PositiveIntegerField(default=0)),
                        ('tolerated_penalty_events_2q', models.PositiveIntegerField(default=2)),
                        ('gap_closure_days', models.PositiveIntegerField(default=180)),
                        ('expected_reduction', models.DecimalField(decimal_places=3, default=Decimal('0.800'), help_text='Expected reduction of addressable exposure by a monitoring program (0–1).', max_digits=4)),
                        ('emergency_premium_factor', models.DecimalField(decimal_places=2, default=Decimal('3.00'), help_text='Emergency work costs this many times the same work planned (≥ 1).', max_digits=5)),
                        ('weight_cm_coverage', models.DecimalField(decimal_places=3, default=Decimal('0.25'), max_digits=4)),
                        ('weight_changeover', models.DecimalField(decimal_places=3, default=Decimal('0.25'), max_digits=4)),
                        ('weight_mtbf_trend', models.DecimalField(decimal_places=3, default=Decimal('0.25'), max_digits=4)),
                        ('weight_penalty_frequency', models.DecimalField(decimal_places=3, default=Decimal('0.25'), max_digits=4)),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('portfolio', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='standard', to='portfolio.portfolio')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'portfolio_reliabilitystandard',
                        'constraints': [models.CheckConstraint(condition=models.Q(('min_cm_coverage_tier1__gte', 0), ('min_cm_coverage_tier1__lte', 1), ('min_changeover_utilization__gte', 0), ('min_changeover_utilization__lte', 1), ('min_jit_failures_documented__gte', 0), ('min_jit_failures_documented__lte', 1), ('expected_reduction__gte', 0), ('expected_reduction__lte', 1)), name='standard_fractions_0_1'), models.CheckConstraint(condition=models.Q(('emergency_premium_factor__gte', 1)), name='standard_premium_factor_ge_1'), models.CheckConstraint(condition=models.Q(('max_alert_response_median_hours__gt', 0), ('max_alert_response_p90_hours__gte', models.F('max_alert_response_median_hours'))), name='standard_response_p90_ge_median'), models.CheckConstraint(condition=models.Q(('tolerated_penalty_events_2q__gte', models.F('target_penalty_events_2q'))), name='standard_tolerated_ge_target'), models.CheckConstraint(condition=models.Q(('weight_cm_coverage__gte', 0), ('weight_changeover__gte', 0), ('weight_mtbf_trend__gte', 0), ('weight_penalty_frequency__gte', 0), ('weight_cm_coverage__gt', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('weight_changeover'), '*', models.Value(-1)), '-', models.F('weight_mtbf_trend')), '-', models.F('weight_penalty_frequency')))), name='standard_weights_non_negative_some_positive'), models.CheckConstraint(condition=models.Q(('gap_closure_days__gt', 0)), name='standard_gap_closure_positive')],
                    },
                ),
                migrations.CreateModel(
                    name='SiteScoreSnapshot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('as_of', models.DateField()),
                        ('computed_at', models.DateTimeField()),
                        ('standard_version', models.PositiveIntegerField()),
                        ('cm_coverage_score', models.FloatField(blank=True, null=True)),
                        ('changeover_score', models.FloatField(blank=True, null=True)),
                        ('mtbf_trend_score', models.FloatField(blank=True, null=True)),
                        ('penalty_frequency_score', models.FloatField(blank=True, null=True)),
                        ('maturity_composite', models.FloatField(blank=True, null=True)),
                        ('risk_tier', models.CharField(blank=True, choices=[('high', 'High'), ('medium', 'Medium'), ('low', 'Low')], max_length=10)),
                        ('penalty_exposure', models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True)),
                        ('addressable_exposure', models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True)),
                        ('emergency_premium', models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True)),
                        ('production_value_at_risk', models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True)),
                        ('revenue_at_risk', models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True)),
                        ('maintenance_cost_pct_revenue', models.FloatField(blank=True, null=True)),
                        ('oee', models.FloatField(blank=True, null=True)),
                        ('details', models.JSONField(blank=True, default=dict)),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='score_snapshots', to='portfolio.site')),
                    ],
                    options={
                        'db_table': 'portfolio_sitescoresnapshot',
                        'ordering': ['site', '-as_of'],
                        'get_latest_by': 'as_of',
                        'constraints': [models.UniqueConstraint(fields=('site', 'as_of'), name='snapshot_unique_site_as_of'), models.CheckConstraint(condition=models.Q(('cm_coverage_score__isnull', True), models.Q(('cm_coverage_score__gte', 0), ('cm_coverage_score__lte', 100)), _connector='OR'), name='snapshot_cm_coverage_score_0_100'), models.CheckConstraint(condition=models.Q(('changeover_score__isnull', True), models.Q(('changeover_score__gte', 0), ('changeover_score__lte', 100)), _connector='OR'), name='snapshot_changeover_score_0_100'), models.CheckConstraint(condition=models.Q(('mtbf_trend_score__isnull', True), models.Q(('mtbf_trend_score__gte', 0), ('mtbf_trend_score__lte', 100)), _connector='OR'), name='snapshot_mtbf_trend_score_0_100'), models.CheckConstraint(condition=models.Q(('penalty_frequency_score__isnull', True), models.Q(('penalty_frequency_score__gte', 0), ('penalty_frequency_score__lte', 100)), _connector='OR'), name='snapshot_penalty_frequency_score_0_100'), models.CheckConstraint(condition=models.Q(('maturity_composite__isnull', True), models.Q(('maturity_composite__gte', 0), ('maturity_composite__lte', 100)), _connector='OR'), name='snapshot_maturity_composite_0_100')],
                    },
                ),
            ],
        ),
        migrations.RunPython(
            functools.partial(rename_content_types, models=['capitalproposal', 'reliabilitystandard', 'sitescoresnapshot'], app_label="scores"),
            functools.partial(restore_content_types, models=['capitalproposal', 'reliabilitystandard', 'sitescoresnapshot'], app_label="scores"),
        ),
    ]
