from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portfolio"

    def ready(self):
        from portfolio import audit
        from portfolio.models import Membership

        audit.register(Membership)
