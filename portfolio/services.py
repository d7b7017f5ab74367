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


# --- Reliability standard ------------------------------------------------------------------

#: Fields of the standard an edit never sets: its identity, and what standard_stamp_change
#: and the database keep.
STANDARD_FIXED_FIELDS = frozenset({"id", "portfolio", "version", "updated_at", "updated_by"})


class StandardConflict(Exception):
    """The standard was saved by someone else since the editor loaded it."""

    def __init__(self, standard: ReliabilityStandard):
        self.standard = standard
        who = standard.updated_by.get_username() if standard.updated_by else "someone else"
        super().__init__(
            f"{who} saved version {standard.version} of this standard while you were "
            "editing; nothing of yours was saved. Check the current values below and save "
            "again."
        )


def standard_update(
    *,
    standard: ReliabilityStandard,
    data: dict,
    user,
    based_on_version: int | None = None,
) -> ReliabilityStandard:
    """Save new thresholds of a portfolio's standard as its next version; recompute its sites.

    ``data`` maps field names to values (a form's cleaned_data; strings are converted as
    the model fields convert them). Values equal to the saved ones are ignored, so an
    unchanged form saves nothing and keeps the version. Otherwise, in one transaction: lock
    the row (two editors cannot both make version N + 1), apply the changes, raise the
    version and record the editor (``standard_stamp_change``), validate against the model's
    constraints (ValidationError naming the fields) and save; the audit log keeps each
    field's before and after. ``based_on_version``, when given, is the version the editor
    saw: a newer saved version raises StandardConflict instead of overwriting it. After
    commit every site of the portfolio is queued for a recompute (debounced,
    ``portfolio.tasks.schedule_site_recompute``): each score is measured against the
    standard. Returns the saved, or unchanged, standard.
    """
    from portfolio import tasks  # tasks imports this module
    from portfolio.models import Site

    meta = ReliabilityStandard._meta
    names = {field.name for field in meta.concrete_fields}
    refused = sorted((set(data) - names) | (set(data) & STANDARD_FIXED_FIELDS))
    if refused:
        raise ValueError(f"standard_update cannot set {refused}")
    with transaction.atomic():
        current = ReliabilityStandard.objects.select_for_update().get(pk=standard.pk)
        changes = {}
        for name, value in data.items():
            value = meta.get_field(name).to_python(value)
            if getattr(current, name) != value:
                changes[name] = value
        if not changes:
            return current
        if based_on_version is not None and current.version != based_on_version:
            raise StandardConflict(current)
        for name, value in changes.items():
            setattr(current, name, value)
        standard_stamp_change(standard=current, user=user)
        # portfolio (unique) and updated_by (exists) are not being edited: skip their queries.
        current.full_clean(exclude=["portfolio", "updated_by"])
        current.save()
        site_ids = list(
            Site.objects.filter(portfolio_id=current.portfolio_id).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: tasks.schedule_site_recompute(site_ids))
    return current


# --- Capital plan ----------------------------------------------------------------------------


def capital_plan_update(*, portfolio, lines: dict[int, tuple], user) -> int:
    """Set the proposed monitoring investment of the portfolio's sites.

    ``lines`` maps a site id to ``(amount, description)``; amount None removes the site's
    proposal. Sites not in ``lines`` keep theirs. Checks the user may edit the portfolio's
    capital plan (PermissionDenied) and that every site is in the portfolio (ValueError).
    Saves row by row in one transaction so the audit log keeps each change. Returns the
    number of proposals created, changed or removed.
    """
    from portfolio.access import Action, check_portfolio_write
    from portfolio.models import CapitalProposal, Site

    check_portfolio_write(user, action=Action.CAPITAL_PLAN, portfolio_id=portfolio.pk)
    site_ids = set(Site.objects.filter(portfolio=portfolio).values_list("pk", flat=True))
    strangers = set(lines) - site_ids
    if strangers:
        raise ValueError(f"sites {sorted(strangers)} are not in {portfolio}")
    changed = 0
    with transaction.atomic():
        existing = {
            p.site_id: p
            for p in CapitalProposal.objects.select_for_update().filter(site_id__in=site_ids)
        }
        for site_id, (amount, description) in lines.items():
            current = existing.get(site_id)
            if amount is None:
                if current is not None:
                    current.delete()
                    changed += 1
                continue
            if current is None:
                current = CapitalProposal(site_id=site_id)
            elif current.amount == amount and current.description == description:
                continue
            current.amount, current.description, current.updated_by = amount, description, user
            current.save()
            changed += 1
    return changed
