"""Escalation rules, escalations and notifications, moved beside the alerts from the
portfolio app with their tables (``db_table``) and rows: state only, instant."""

import functools

import django.db.models.deletion
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

    dependencies = [
        ('admin', '0003_logentry_add_action_flag_choices'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('portfolio', '0005_scores_and_escalations_move_out'),
        ('reliability', '0004_reading_rollups'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='EscalationRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=120)),
                        ('trigger', models.CharField(choices=[('unacknowledged', 'Alert not acknowledged in time'), ('zone_d_jit', 'Zone D on a JIT-linked line')], max_length=20)),
                        ('tier', models.PositiveSmallIntegerField(blank=True, help_text='Only alerts on assets of this tier; empty: any tier.', null=True)),
                        ('after_hours', models.DecimalField(decimal_places=2, default=Decimal('4'), help_text="For 'not acknowledged': hours after detection.", max_digits=6)),
                        ('notify_role', models.CharField(choices=[('site_manager', 'Site manager'), ('director', 'Director'), ('executive', 'Executive (VP/COO)')], max_length=20)),
                        ('is_active', models.BooleanField(default=True)),
                        ('portfolio', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='escalation_rules', to='portfolio.portfolio')),
                    ],
                    options={
                        'db_table': 'portfolio_escalationrule',
                        'ordering': ['portfolio', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='Escalation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('fired_at', models.DateTimeField()),
                        ('recipients', models.JSONField(default=list, help_text='Usernames notified.')),
                        ('alert', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='escalations', to='reliability.alert')),
                        ('rule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='escalations', to='reliability.escalationrule')),
                    ],
                    options={
                        'db_table': 'portfolio_escalation',
                        'ordering': ['-fired_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('message', models.CharField(max_length=300)),
                        ('link', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField()),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('escalation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='reliability.escalation')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'portfolio_notification',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='escalationrule',
                    constraint=models.UniqueConstraint(fields=('portfolio', 'name'), name='escalation_rule_unique'),
                ),
                migrations.AddConstraint(
                    model_name='escalationrule',
                    constraint=models.CheckConstraint(condition=models.Q(('after_hours__gt', 0)), name='escalation_rule_after_positive'),
                ),
                migrations.AddConstraint(
                    model_name='escalation',
                    constraint=models.UniqueConstraint(fields=('rule', 'alert'), name='escalation_once_per_alert'),
                ),
                migrations.AddIndex(
                    model_name='notification',
                    index=models.Index(fields=['user', 'read_at'], name='notification_unread_idx'),
                ),
            ],
        ),
        migrations.RunPython(
            functools.partial(rename_content_types, models=['escalationrule', 'escalation', 'notification'], app_label="reliability"),
            functools.partial(restore_content_types, models=['escalationrule', 'escalation', 'notification'], app_label="reliability"),
        ),
    ]
