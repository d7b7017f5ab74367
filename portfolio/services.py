"""Writes to portfolios, their standard and their score history. Pages, the API, the admin
and the tasks all call these."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from portfolio.models import ReliabilityStandard, SiteScoreSnapshot
from portfolio.scoring.site import compute_site_figures
from portfolio.selectors import site_scoring_inputs


def standard_stamp_change(*, standard: ReliabilityStandard, user) -> None:
    """Mark a standard about to be saved with changes: next version, who changed it.

    Score snapshots cite the version they were computed with, so every saved change must
    raise it. A standard not yet saved keeps version 1.
    """
    if standard.pk:
        standard.version += 1
    standard.updated_by = user


# --- Scores ------------------------------------------------------------------------------

MONEY_FIGURES = (
    "penalty_exposure",
    "addressable_exposure",
    "emergency_premium",
    "production_value_at_risk",
    "revenue_at_risk",
)


def site_recompute_scores(site_id: int, as_of: dt.date | None = None) -> SiteScoreSnapshot:
    """Compute a site's figures as of a day and store them as its snapshot for that day.

    Reads through ``portfolio.selectors.site_scoring_inputs``, computes with the pure
    functions (``portfolio.scoring.site``) and writes one row atomically: recomputing the
    same day again replaces it with the same figures (only ``computed_at`` moves).
    """
    as_of = as_of or timezone.now().date()
    inputs = site_scoring_inputs(site_id, as_of)
    figures = compute_site_figures(inputs)
    for name in MONEY_FIGURES:
        if figures[name] is not None:
            figures[name] = Decimal(str(round(figures[name], 2)))
    figures["risk_tier"] = figures["risk_tier"] or ""
    with transaction.atomic():
        snapshot, _ = SiteScoreSnapshot.objects.update_or_create(
            site_id=site_id,
            as_of=as_of,
            defaults={
                **figures,
                "computed_at": timezone.now(),
                "standard_version": int(inputs.standard["version"]),
            },
        )
    return snapshot


def quarter_ends(as_of: dt.date, count: int) -> list[dt.date]:
    """The last days of the ``count`` calendar quarters before ``as_of``'s, oldest first."""
    ends = []
    first_of_quarter = dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    for _ in range(count):
        end = first_of_quarter - dt.timedelta(days=1)
        ends.append(end)
        first_of_quarter = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    return sorted(ends)


# --- Escalation -----------------------------------------------------------------------

DEFAULT_ESCALATION_RULES = [
    {
        "name": "Tier 1 alert not acknowledged within 4 h",
        "trigger": "unacknowledged",
        "tier": 1,
        "after_hours": Decimal("4"),
        "notify_role": "site_manager",
    },
    {
        "name": "Zone D on a JIT-linked line",
        "trigger": "zone_d_jit",
        "tier": None,
        "after_hours": Decimal("4"),
        "notify_role": "director",
    },
]


def escalation_rules(portfolio) -> list:
    """The portfolio's active rules; a portfolio with none gets the defaults (SPEC's
    decision architecture), which its director can then change in the admin."""
    from portfolio.models import EscalationRule

    if not EscalationRule.objects.filter(portfolio=portfolio).exists():
        for rule in DEFAULT_ESCALATION_RULES:
            EscalationRule.objects.get_or_create(
                portfolio=portfolio, name=rule["name"], defaults=rule
            )
    return list(EscalationRule.objects.filter(portfolio=portfolio, is_active=True))


def evaluate_escalations(now=None) -> list:
    """Fire every rule whose condition an alert now meets, once per rule and alert, and
    notify the rule's role at the alert's site (in the app, and by email when the person
    has an address and an email backend is configured). Returns the new escalations."""
    from portfolio.models import EscalationTrigger, Portfolio
    from reliability.models import Alert, AlertStatus

    now = now or timezone.now()
    fired = []
    for portfolio in Portfolio.objects.all():
        for rule in escalation_rules(portfolio):
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


def _fire(rule, alert, now):
    from django.db import IntegrityError

    from portfolio.models import Escalation, Notification

    recipients = _people_with_role(rule.notify_role, alert.asset.site)
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                rule=rule, alert=alert, fired_at=now, recipients=[u.username for u in recipients]
            )
            message = (
                f"{rule.name}: {alert.asset.code} {alert.get_metric_display()} at "
                f"{alert.asset.site.name} (alert detected {alert.detected_at:%Y-%m-%d %H:%M} UTC)"
            )[:300]
            Notification.objects.bulk_create(
                [
                    Notification(
                        user=user,
                        escalation=escalation,
                        message=message,
                        link=escalation_link(alert),
                        created_at=now,
                    )
                    for user in recipients
                ]
            )
    except IntegrityError:
        return None  # another evaluation fired it first
    addresses = [u.email for u in recipients if u.email]
    if addresses:
        transaction.on_commit(
            lambda: send_mail(
                f"[Reliability Portfolio] {rule.name}",
                f"{message}\n\nOpen it: {settings.SITE_URL}{escalation_link(alert)}",
                None,
                addresses,
                fail_silently=True,
            )
        )
    return escalation


def escalation_link(alert) -> str:
    return f"/alerts/{alert.pk}/"


def _people_with_role(role: str, site) -> list:
    from django.contrib.auth import get_user_model

    from portfolio.models import Membership, Role

    memberships = Membership.objects.filter(role=role)
    if role == Role.SITE_MANAGER:
        memberships = memberships.filter(site=site)
    elif role == Role.DIRECTOR:
        memberships = memberships.filter(portfolio_id=site.portfolio_id)
    users = (
        get_user_model()
        .objects.filter(pk__in=memberships.values("user_id"), is_active=True)
        .order_by("username")
    )
    return list(users)
