"""Portfolios, sites, lines, memberships, the reliability standard and score snapshots."""

import functools
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from portfolio.querysets import (
    PeopleScopedQuerySet,
    PortfolioQuerySet,
    SiteScopedQuerySet,
    StandardQuerySet,
)

MONEY = {"max_digits": 16, "decimal_places": 2}


@functools.cache
def _timezone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in _timezone_names():
        raise ValidationError(f"{value!r} is not an IANA timezone name (e.g. America/Detroit).")


class Portfolio(models.Model):
    """A set of sites owned by one company; acquisition targets are portfolios too."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code.")
    is_acquisition_target = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PortfolioQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="portfolio_currency_iso4217"
            ),
        ]

    def __str__(self):
        return self.name


class Site(models.Model):
    """A plant, with the money figures that turn its downtime into dollars."""

    site_lookup = ""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.PROTECT, related_name="sites")
    code = models.SlugField(
        max_length=40, unique=True, help_text="Used by ingest to name the site."
    )
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    annual_revenue = models.DecimalField(**MONEY)
    production_value_per_hour = models.DecimalField(**MONEY)
    annual_maintenance_spend = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Only when it cannot be derived from work orders."
    )

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["portfolio__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_revenue__gte=0)
                & Q(production_value_per_hour__gte=0)
                & (Q(annual_maintenance_spend__isnull=True) | Q(annual_maintenance_spend__gte=0)),
                name="site_money_non_negative",
            ),
        ]

    def __str__(self):
        return self.name


class Line(models.Model):
    """A production line; ``jit_linked`` when it feeds an OEM just in time or in sequence."""

    site_lookup = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="lines")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    jit_linked = models.BooleanField(default=False)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["site__name", "code"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="line_unique_code_per_site"),
            # Target of the composite foreign key (line_id, site_id) from assets.
            models.UniqueConstraint(fields=["id", "site"], name="line_id_site_key"),
        ]

    def __str__(self):
        return f"{self.site.code}/{self.code}"


class Role(models.TextChoices):
    EXECUTIVE = "executive", "Executive (VP/COO)"
    DIRECTOR = "director", "Director"
    SITE_MANAGER = "site_manager", "Site manager"
    TECHNICIAN = "technician", "Technician"
    INTEGRATOR = "integrator", "Integrator (API only)"


SITE_ROLES = [Role.SITE_MANAGER, Role.TECHNICIAN, Role.INTEGRATOR]


class Membership(models.Model):
    """A user's role over everything (executive), a portfolio (director) or a site."""

    person_lookup = "user"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PeopleScopedQuerySet.as_manager()

    class Meta:
        ordering = ["user__username", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role=Role.EXECUTIVE, portfolio__isnull=True, site__isnull=True)
                    | Q(role=Role.DIRECTOR, portfolio__isnull=False, site__isnull=True)
                    | Q(role__in=SITE_ROLES, portfolio__isnull=True, site__isnull=False)
                ),
                name="membership_scope_matches_role",
                violation_error_message=(
                    "An executive has no scope, a director a portfolio, and a site manager, "
                    "technician or integrator a site."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "portfolio", "site"],
                nulls_distinct=False,
                name="membership_unique",
            ),
        ]

    def __str__(self):
        scope = self.site or self.portfolio or "all portfolios"
        return f"{self.user} · {self.get_role_display()} · {scope}"


def _fraction(name: str) -> Q:
    return Q(**{f"{name}__gte": 0}) & Q(**{f"{name}__lte": 1})


class ReliabilityStandard(models.Model):
    """The shared minimums every site of a portfolio is measured against (SPEC §4).

    One per portfolio. ``version`` goes up by one on every change, and score snapshots
    record the version they were computed with.
    """

    portfolio = models.OneToOneField(Portfolio, on_delete=models.CASCADE, related_name="standard")
    min_cm_coverage_tier1 = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.900"),
        help_text="Share of Tier 1 assets with a fresh sensor (0–1).",
    )
    cm_freshness_hours = models.PositiveIntegerField(
        default=24, help_text="A sensor counts for coverage if it reported within this many hours."
    )
    min_changeover_utilization = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.800"),
        help_text="Maintenance minutes executed ÷ available, last 4 windows (0–1).",
    )
    max_alert_response_median_hours = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("4")
    )
    max_alert_response_p90_hours = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("24")
    )
    min_jit_failures_documented = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("1.000"),
        help_text="Share of unplanned failures on JIT-linked lines with a failure mode (0–1).",
    )
    target_penalty_events_2q = models.PositiveIntegerField(default=0)
    tolerated_penalty_events_2q = models.PositiveIntegerField(default=2)
    gap_closure_days = models.PositiveIntegerField(default=180)
    expected_reduction = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.800"),
        help_text="Expected reduction of addressable exposure by a monitoring program (0–1).",
    )
    emergency_premium_factor = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("3.00"),
        help_text="Emergency work costs this many times the same work planned (≥ 1).",
    )
    weight_cm_coverage = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.25")
    )
    weight_changeover = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.25"))
    weight_mtbf_trend = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.25"))
    weight_penalty_frequency = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.25")
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = StandardQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=_fraction("min_cm_coverage_tier1")
                & _fraction("min_changeover_utilization")
                & _fraction("min_jit_failures_documented")
                & _fraction("expected_reduction"),
                name="standard_fractions_0_1",
            ),
            models.CheckConstraint(
                condition=Q(emergency_premium_factor__gte=1), name="standard_premium_factor_ge_1"
            ),
            models.CheckConstraint(
                condition=Q(max_alert_response_median_hours__gt=0)
                & Q(max_alert_response_p90_hours__gte=F("max_alert_response_median_hours")),
                name="standard_response_p90_ge_median",
            ),
            models.CheckConstraint(
                condition=Q(tolerated_penalty_events_2q__gte=F("target_penalty_events_2q")),
                name="standard_tolerated_ge_target",
            ),
            models.CheckConstraint(
                condition=Q(weight_cm_coverage__gte=0)
                & Q(weight_changeover__gte=0)
                & Q(weight_mtbf_trend__gte=0)
                & Q(weight_penalty_frequency__gte=0)
                & Q(
                    weight_cm_coverage__gt=-F("weight_changeover")
                    - F("weight_mtbf_trend")
                    - F("weight_penalty_frequency")
                ),
                name="standard_weights_non_negative_some_positive",
            ),
            models.CheckConstraint(
                condition=Q(gap_closure_days__gt=0), name="standard_gap_closure_positive"
            ),
        ]

    def __str__(self):
        return f"Standard of {self.portfolio} (v{self.version})"


class RiskTier(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class SiteScoreSnapshot(models.Model):
    """A site's computed scores as of a date, kept as history for trends and traceability.

    Figures are nullable: a figure the data cannot support is stored as null, not zero.
    ``details`` holds each figure's window, inputs and the standard's values used.
    """

    site_lookup = "site"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="score_snapshots")
    as_of = models.DateField()
    computed_at = models.DateTimeField()
    standard_version = models.PositiveIntegerField()
    cm_coverage_score = models.FloatField(null=True, blank=True)
    changeover_score = models.FloatField(null=True, blank=True)
    mtbf_trend_score = models.FloatField(null=True, blank=True)
    penalty_frequency_score = models.FloatField(null=True, blank=True)
    maturity_composite = models.FloatField(null=True, blank=True)
    risk_tier = models.CharField(max_length=10, choices=RiskTier.choices, blank=True)
    penalty_exposure = models.DecimalField(**MONEY, null=True, blank=True)
    addressable_exposure = models.DecimalField(**MONEY, null=True, blank=True)
    emergency_premium = models.DecimalField(**MONEY, null=True, blank=True)
    production_value_at_risk = models.DecimalField(**MONEY, null=True, blank=True)
    revenue_at_risk = models.DecimalField(**MONEY, null=True, blank=True)
    maintenance_cost_pct_revenue = models.FloatField(null=True, blank=True)
    oee = models.FloatField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["site", "-as_of"]
        get_latest_by = "as_of"
        constraints = [
            models.UniqueConstraint(fields=["site", "as_of"], name="snapshot_unique_site_as_of"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True})
                    | (Q(**{f"{name}__gte": 0}) & Q(**{f"{name}__lte": 100})),
                    name=f"snapshot_{name}_0_100",
                )
                for name in (
                    "cm_coverage_score",
                    "changeover_score",
                    "mtbf_trend_score",
                    "penalty_frequency_score",
                    "maturity_composite",
                )
            ],
        ]

    def __str__(self):
        return f"{self.site} as of {self.as_of}"


class CapitalProposal(models.Model):
    """A site's proposed condition-monitoring investment: one line of the capital plan.

    The capital priority table ranks sites by the exposure this money is expected to avoid
    (portfolio.scoring.finance.capital_priority); directors edit it (Action.CAPITAL_PLAN).
    """

    site_lookup = "site"

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="capital_proposal")
    amount = models.DecimalField(**MONEY, help_text="Proposed investment, portfolio currency.")
    description = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["site"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="capital_proposal_amount_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.site}: {self.amount}"


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"


class AuditEntry(models.Model):
    """Who changed what and when: standards, memberships, prevented failures (see audit.py)."""

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept when the user is deleted; "system" for changes made outside a request.
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=6, choices=AuditAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, help_text='{"field": [before, after]}')

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["at"], name="audit_at_idx"),
        ]

    def __str__(self):
        return f"{self.actor_name} {self.action} {self.object_repr} at {self.at:%Y-%m-%d %H:%M}"


class EscalationTrigger(models.TextChoices):
    UNACKNOWLEDGED = "unacknowledged", "Alert not acknowledged in time"
    ZONE_D_JIT = "zone_d_jit", "Zone D on a JIT-linked line"


class EscalationRule(models.Model):
    """A portfolio's escalation policy, one rule a row (data, edited in the admin).

    Defaults (portfolio.services.escalation_rules): a Tier 1 alert not acknowledged within
    4 hours goes to the site's managers; zone D on a JIT-linked line goes to the directors.
    """

    portfolio = models.ForeignKey(
        Portfolio, on_delete=models.CASCADE, related_name="escalation_rules"
    )
    name = models.CharField(max_length=120)
    trigger = models.CharField(max_length=20, choices=EscalationTrigger.choices)
    tier = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Only alerts on assets of this tier; empty: any tier."
    )
    after_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("4"),
        help_text="For 'not acknowledged': hours after detection.",
    )
    notify_role = models.CharField(
        max_length=20,
        choices=[(r.value, r.label) for r in (Role.SITE_MANAGER, Role.DIRECTOR, Role.EXECUTIVE)],
    )
    is_active = models.BooleanField(default=True)

    objects = StandardQuerySet.as_manager()

    class Meta:
        ordering = ["portfolio", "name"]
        constraints = [
            models.UniqueConstraint(fields=["portfolio", "name"], name="escalation_rule_unique"),
            models.CheckConstraint(
                condition=Q(after_hours__gt=0), name="escalation_rule_after_positive"
            ),
        ]

    def __str__(self):
        return f"{self.portfolio}: {self.name}"


class Escalation(models.Model):
    """A rule that fired for an alert: once per rule and alert, whoever looks twice."""

    site_lookup = "alert__asset__site"

    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="escalations")
    alert = models.ForeignKey(
        "reliability.Alert", on_delete=models.CASCADE, related_name="escalations"
    )
    fired_at = models.DateTimeField()
    recipients = models.JSONField(default=list, help_text="Usernames notified.")

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-fired_at"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "alert"], name="escalation_once_per_alert")
        ]

    def __str__(self):
        return f"{self.rule.name} for alert {self.alert_id}"


class Notification(models.Model):
    """An in-app message for one person (an escalation, for now)."""

    person_lookup = "user"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    message = models.CharField(max_length=300)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    objects = PeopleScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return f"{self.user}: {self.message}"
