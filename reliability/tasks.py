"""Reliability tasks: evaluate condition alerts on a schedule (after ingest it is part of
the site's debounced recompute, portfolio.tasks.recompute_site)."""

from celery import shared_task

from reliability.alerting import evaluate_alerts


@shared_task(name="reliability.evaluate_all_alerts")
def evaluate_all_alerts() -> None:
    """Hourly (beat): every sensor, so a sensor whose data stopped is still looked at."""
    evaluate_alerts()
