from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared code without models: dates and windows, executive language, the chart base,
    input checks, URL parameters, template filters and the plotly.js static files."""

    name = "core"
