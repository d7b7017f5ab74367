from django.apps import AppConfig
from django.db.models.signals import post_save


class ReliabilityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reliability"

    def ready(self):
        from portfolio import audit
        from portfolio.models import Portfolio
        from reliability import receivers
        from reliability.models import PreventedFailure

        audit.register(PreventedFailure)
        post_save.connect(
            receivers.escalation_rules_for_new_portfolio,
            sender=Portfolio,
            dispatch_uid="reliability-escalation-rules-for-new-portfolio",
        )
