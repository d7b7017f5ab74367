"""The reliability standard, score snapshots and the capital plan: what the roof stores."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from portfolio.models import MONEY, Portfolio, Site
from portfolio.querysets import PortfolioWideQuerySet, SiteScopedQuerySet
from scores.snapshot import SCORE_COLUMNS


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

    objects = PortfolioWideQuerySet.as_manager()

    class Meta:
        db_table = "portfolio_reliabilitystandard"
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
    ``details`` holds each figure's window and the inputs behind it, in the shape
    ``scores.snapshot`` defines.
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
        db_table = "portfolio_sitescoresnapshot"
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
                for name in (*SCORE_COLUMNS.values(), "maturity_composite")
            ],
        ]

    def __str__(self):
        return f"{self.site} as of {self.as_of}"


class CapitalProposal(models.Model):
    """A site's proposed condition-monitoring investment: one line of the capital plan.

    The capital priority table ranks sites by the exposure this money is expected to avoid
    (scores.figures.finance.capital_priority); directors edit it (Action.CAPITAL_PLAN).
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
        db_table = "portfolio_capitalproposal"
        ordering = ["site"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="capital_proposal_amount_non_negative"
            ),
        ]

    def __str__(self):
        return f"{self.site}: {self.amount}"


class PendingRecompute(models.Model):
    """A site's recompute that could not be queued (the broker or the cache was down when
    its data changed). The periodic ``scores.queue_pending_recomputes`` queues it and
    deletes the row, so no change of data goes without its recompute."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField()
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["requested_at"]

    def __str__(self):
        return f"recompute of {self.site_id} pending since {self.requested_at}"
