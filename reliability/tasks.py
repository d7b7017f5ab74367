"""Reliability tasks: evaluate condition alerts and escalations on a schedule (after ingest,
alerts are evaluated by the site's debounced refresh, ``scores.services.site_refresh``).

Task names are what the broker carries: fixed strings, independent of the module that holds
the code.
"""

from celery import shared_task

from reliability import services
from reliability.alerting import alerts_evaluate


@shared_task(name="reliability.evaluate_all_alerts")
def evaluate_all_alerts() -> None:
    """Hourly (beat): every sensor, so a sensor whose data stopped is still looked at."""
    alerts_evaluate()


@shared_task(name="portfolio.evaluate_escalations")
def evaluate_escalations() -> None:
    """Every 5 minutes (beat): fire the escalation rules alerts now meet."""
    services.escalations_evaluate()
