"""The organisation every app stands on: portfolios, sites, lines, who has which role where,
and the audit log."""

import functools
import zoneinfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from portfolio.querysets import PeopleScopedQuerySet, PortfolioQuerySet, SiteScopedQuerySet

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
            # Codes are compared without case everywhere (form, API, ingest): two creates
            # of "ACME" and "acme" at once must not both succeed.
            models.UniqueConstraint(Lower("code"), name="portfolio_code_unique_any_case"),
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
