from django.apps import AppConfig


class ReliabilityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reliability"
