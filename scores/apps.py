from django.apps import AppConfig
from django.db.models.signals import post_save


class ScoresConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scores"

    def ready(self):
        from ingest.signals import batch_loaded
        from portfolio import audit
        from portfolio.models import Portfolio
        from scores import receivers
        from scores.models import CapitalProposal, ReliabilityStandard

        audit.register(ReliabilityStandard)
        audit.register(CapitalProposal)
        post_save.connect(
            receivers.standard_for_new_portfolio,
            sender=Portfolio,
            dispatch_uid="scores-standard-for-new-portfolio",
        )
        batch_loaded.connect(
            receivers.recompute_after_ingest, dispatch_uid=receivers.RECOMPUTE_AFTER_INGEST
        )
