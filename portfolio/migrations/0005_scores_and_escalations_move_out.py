"""The standard, score snapshots and capital plan move to the scores app, and escalations
beside the alerts (reliability). State only: the tables keep their names and their rows
(each model sets ``db_table``), so this is instant on any database."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('portfolio', '0004_capital_proposal'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='escalation',
                    name='alert',
                ),
                migrations.RemoveField(
                    model_name='escalation',
                    name='rule',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='escalation',
                ),
                migrations.RemoveField(
                    model_name='escalationrule',
                    name='portfolio',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='reliabilitystandard',
                    name='portfolio',
                ),
                migrations.RemoveField(
                    model_name='reliabilitystandard',
                    name='updated_by',
                ),
                migrations.RemoveField(
                    model_name='sitescoresnapshot',
                    name='site',
                ),
                migrations.DeleteModel(
                    name='CapitalProposal',
                ),
                migrations.DeleteModel(
                    name='Escalation',
                ),
                migrations.DeleteModel(
                    name='EscalationRule',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
                migrations.DeleteModel(
                    name='ReliabilityStandard',
                ),
                migrations.DeleteModel(
                    name='SiteScoreSnapshot',
                ),
            ],
        ),
    ]
