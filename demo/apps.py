from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo portfolio's generator and loader (``manage.py seed_demo``); no models."""

    name = "demo"
