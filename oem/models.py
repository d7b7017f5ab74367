"""OEM customers, their relationships with sites, scorecards and penalty invoices."""

from django.db import models
from django.db.models import Q

from portfolio.models import MONEY, Site
from portfolio.querysets import SiteScopedQuerySet
from reliability.models import Asset, FailureEvent


class OEMCustomer(models.Model):
    """A vehicle maker (or tier-1) the sites supply."""

    site_lookup = "relationships__site"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "OEM customer"

    def __str__(self):
        return self.name


class RelationshipStatus(models.TextChoices):
    PREFERRED = "preferred", "Preferred"
    APPROVED = "approved", "Approved"
    CONDITIONAL = "conditional", "Conditional"
    SDP = "sdp", "Supplier development program (SDP)"


class OEMRelationship(models.Model):
    """An OEM customer buying from a site: the revenue at stake and its supplier status."""

    site_lookup = "site"

    customer = models.ForeignKey(
        OEMCustomer, on_delete=models.PROTECT, related_name="relationships"
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="oem_relationships")
    annual_revenue = models.DecimalField(**MONEY)
    status = models.CharField(max_length=12, choices=RelationshipStatus.choices)
    sdp_threshold_score = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        help_text="A scorecard below this score puts the site into SDP review (0–100).",
    )

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["customer__name", "site__name"]
        verbose_name = "OEM relationship"
        constraints = [
            models.UniqueConstraint(fields=["customer", "site"], name="relationship_unique"),
            models.CheckConstraint(
                condition=Q(annual_revenue__gte=0), name="relationship_revenue_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(sdp_threshold_score__gte=0) & Q(sdp_threshold_score__lte=100),
                name="relationship_threshold_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.customer} × {self.site}"


class ScorecardResult(models.Model):
    """An OEM's quarterly supplier scorecard for a relationship (score 0–100)."""

    site_lookup = "relationship__site"

    relationship = models.ForeignKey(
        OEMRelationship, on_delete=models.PROTECT, related_name="scorecards"
    )
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    score = models.DecimalField(max_digits=5, decimal_places=2)
    components = models.JSONField(
        default=dict,
        blank=True,
        help_text='Component scores, e.g. {"delivery": 92, "quality": 88}.',
    )

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["relationship", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "year", "quarter"], name="scorecard_unique_quarter"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1) & Q(quarter__lte=4), name="scorecard_quarter_1_4"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="scorecard_score_0_100"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="scorecard_year_sane"
            ),
        ]

    def __str__(self):
        return f"{self.relationship} {self.year}Q{self.quarter}: {self.score}"


class PenaltyRecord(models.Model):
    """A penalty invoiced by an OEM, optionally traced to the failure that caused it."""

    site_lookup = "relationship__site"

    relationship = models.ForeignKey(
        OEMRelationship, on_delete=models.PROTECT, related_name="penalties"
    )
    invoice_reference = models.CharField(max_length=60)
    incurred_on = models.DateField()
    amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=200)
    failure_event = models.ForeignKey(
        FailureEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="penalties"
    )
    # When the OEM names the stop rather than our failure record: the asset and the time.
    asset = models.ForeignKey(
        Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="penalties"
    )
    occurred_at = models.DateTimeField(null=True, blank=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-incurred_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "invoice_reference"], name="penalty_unique_invoice"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="penalty_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["relationship", "incurred_on"], name="penalty_rel_incurred_idx")
        ]

    def __str__(self):
        return f"{self.invoice_reference}: {self.amount}"
