"""Writes to alerts: the response protocol (SPEC §2: open → acknowledged → work order →
closed as a confirmed fault or a false alarm), and the escalation of alerts nobody answers.
Pages and the API call these; each protocol step checks that the person may act on alerts
at the alert's site."""

import datetime as dt
import logging
from decimal import Decimal
from smtplib import SMTPException

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from portfolio.access import Action, check_site_write
from portfolio.models import Portfolio
from portfolio.selectors import people_with_role
from reliability.models import (
    Alert,
    AlertResolution,
    AlertStatus,
    Escalation,
    EscalationRule,
    EscalationTrigger,
    Notification,
    WorkOrder,
)
from reliability.selectors import active_escalation_rules

log = logging.getLogger(__name__)


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().select_related("asset").get(pk=alert.pk)


def alert_acknowledge(*, alert: Alert, user, at=None) -> Alert:
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


def alert_link_work_order(*, alert: Alert, work_order: WorkOrder, user, at=None) -> Alert:
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


def alert_close(*, alert: Alert, user, resolution: str, at=None) -> Alert:
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


# --- Escalation -----------------------------------------------------------------------

DEFAULT_ESCALATION_RULES = [
    {
        "name": "Tier 1 alert not acknowledged within 4 h",
        "trigger": EscalationTrigger.UNACKNOWLEDGED,
        "tier": 1,
        "after_hours": Decimal("4"),
        "notify_role": "site_manager",
    },
    {
        "name": "Zone D on a JIT-linked line",
        "trigger": EscalationTrigger.ZONE_D_JIT,
        "tier": None,
        "after_hours": Decimal("4"),
        "notify_role": "director",
    },
]


def escalation_rules_create_defaults(*, portfolio) -> list[EscalationRule]:
    """The default rules of a new portfolio (SPEC's decision architecture), created once
    (with the portfolio: ``reliability.receivers``); its directors then change them in the
    admin. A rule of the same name that exists is kept as it is."""
    return [
        EscalationRule.objects.get_or_create(portfolio=portfolio, name=rule["name"], defaults=rule)[
            0
        ]
        for rule in DEFAULT_ESCALATION_RULES
    ]


def escalations_evaluate(*, now=None) -> list[Escalation]:
    """Fire every rule whose condition an alert now meets, once per rule and alert, and
    notify the rule's role at the alert's site (in the app, and by email when the person
    has an address and an email backend is configured). Returns the new escalations."""
    now = now or timezone.now()
    fired = []
    for portfolio in Portfolio.objects.all():
        for rule in active_escalation_rules(portfolio):
            alerts = Alert.objects.filter(asset__site__portfolio=portfolio).exclude(
                status=AlertStatus.CLOSED
            )
            if rule.tier is not None:
                alerts = alerts.filter(asset__tier=rule.tier)
            if rule.trigger == EscalationTrigger.UNACKNOWLEDGED:
                due = now - dt.timedelta(hours=float(rule.after_hours))
                alerts = alerts.filter(status=AlertStatus.OPEN, detected_at__lte=due)
            else:
                alerts = alerts.filter(worst_zone="D", asset__line__jit_linked=True)
            alerts = alerts.exclude(escalations__rule=rule).select_related("asset__site")
            for alert in alerts:
                escalation = _fire(rule, alert, now)
                if escalation is not None:
                    fired.append(escalation)
    return fired


def _fire(rule: EscalationRule, alert: Alert, now) -> Escalation | None:
    recipients = people_with_role(role=rule.notify_role, site=alert.asset.site)
    link = reverse("reliability:alert", args=[alert.pk])
    message = (
        f"{rule.name}: {alert.asset.code} {alert.get_metric_display()} at "
        f"{alert.asset.site.name} (alert detected {alert.detected_at:%Y-%m-%d %H:%M} UTC)"
    )[:300]
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                rule=rule, alert=alert, fired_at=now, recipients=[u.username for u in recipients]
            )
            Notification.objects.bulk_create(
                [
                    Notification(
                        user=user, escalation=escalation, message=message, link=link, created_at=now
                    )
                    for user in recipients
                ]
            )
    except IntegrityError:
        return None  # another evaluation fired it first
    addresses = [u.email for u in recipients if u.email]
    if addresses:
        body = f"{message}\n\nOpen it: {settings.SITE_URL}{link}"
        transaction.on_commit(
            lambda: _email(f"[Reliability Portfolio] {rule.name}", body, addresses)
        )
    return escalation


def _email(subject: str, body: str, addresses: list[str]) -> None:
    """Send an escalation email. The in-app notification is already saved, so a mail server
    that refuses or is down loses only the email: logged, not raised."""
    try:
        send_mail(subject, body, None, addresses)
    except (SMTPException, OSError):
        log.exception("escalation email to %s failed", ", ".join(addresses))


def notifications_mark_read(*, user) -> int:
    """Mark all of ``user``'s unread notifications read; returns how many."""
    return Notification.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
