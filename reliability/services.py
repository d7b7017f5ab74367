"""Writes to alerts: the response protocol (SPEC §2: open → acknowledged → work order →
closed as a confirmed fault or a false alarm). Pages and the API call these; each checks
that the person may act on alerts at the alert's site."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portfolio.access import Action, check_site_write
from reliability.models import Alert, AlertResolution, AlertStatus, WorkOrder


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().select_related("asset").get(pk=alert.pk)


def acknowledge_alert(alert: Alert, user, at=None) -> Alert:
    """Someone has seen it: the response time runs from detection to now."""
    check_site_write(user, action=Action.ALERT, site_id=alert.asset.site_id)
    with transaction.atomic():
        alert = _locked(alert)
        if alert.status != AlertStatus.OPEN:
            raise ValidationError({"status": f"The alert is already {alert.get_status_display()}."})
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_at = at or timezone.now()
        alert.acknowledged_by = user
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    return alert


def link_work_order(alert: Alert, work_order: WorkOrder, user, at=None) -> Alert:
    """The work that answers the alert; an alert not yet acknowledged is acknowledged now."""
    check_site_write(user, action=Action.ALERT, site_id=alert.asset.site_id)
    if work_order.asset_id != alert.asset_id:
        raise ValidationError({"work_order": "The work order is for another asset."})
    with transaction.atomic():
        alert = _locked(alert)
        if alert.status == AlertStatus.CLOSED:
            raise ValidationError({"status": "The alert is closed."})
        if alert.acknowledged_at is None:
            alert.acknowledged_at = at or timezone.now()
            alert.acknowledged_by = user
        alert.status = AlertStatus.WORK_ORDER
        alert.work_order = work_order
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "work_order"])
    return alert


def close_alert(alert: Alert, user, resolution: str, at=None) -> Alert:
    """Closed as a confirmed fault (the sensor was right) or a false alarm."""
    check_site_write(user, action=Action.ALERT, site_id=alert.asset.site_id)
    if resolution not in AlertResolution.values:
        raise ValidationError(
            {"resolution": f"One of: {', '.join(AlertResolution.values)}, not {resolution!r}."}
        )
    with transaction.atomic():
        alert = _locked(alert)
        if alert.status == AlertStatus.CLOSED:
            raise ValidationError({"status": "The alert is already closed."})
        now = at or timezone.now()
        if alert.acknowledged_at is None:
            alert.acknowledged_at, alert.acknowledged_by = now, user
        alert.status = AlertStatus.CLOSED
        alert.closed_at = now
        alert.resolution = resolution
        alert.save(
            update_fields=[
                "status",
                "acknowledged_at",
                "acknowledged_by",
                "closed_at",
                "resolution",
            ]
        )
    return alert
