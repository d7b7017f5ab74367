"""Assets and what happens to them: readings, alerts and their escalation, work, failures,
production, people."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
from django.db import models
from django.db.models import F, Q

from portfolio.models import MONEY, Line, Portfolio, Role, Site
from portfolio.querysets import PeopleScopedQuerySet, PortfolioWideQuerySet, SiteScopedQuerySet

HOURS = {"max_digits": 9, "decimal_places": 2}


class RealField(models.FloatField):
    """A 4-byte float (PostgreSQL ``real``): 7 significant digits, ample for sensor values."""

    def db_type(self, connection):
        return "real"


class AssetClass(models.TextChoices):
    MOTOR = "motor", "Motor"
    PRESS = "press", "Press"
    PUMP = "pump", "Pump"
    FAN = "fan", "Fan"
    GEARBOX = "gearbox", "Gearbox"
    CONVEYOR = "conveyor", "Conveyor"
    ROBOT = "robot", "Robot"
    COMPRESSOR = "compressor", "Compressor"
    SPINDLE = "spindle", "Spindle"
    OTHER = "other", "Other"


class MachineGroup(models.IntegerChoices):
    """ISO 20816-3 machine groups, which set the vibration zone boundaries."""

    LARGE = 1, "Group 1 (above 300 kW)"
    MEDIUM = 2, "Group 2 (15–300 kW)"


class Foundation(models.TextChoices):
    RIGID = "rigid", "Rigid"
    FLEXIBLE = "flexible", "Flexible"


class Asset(models.Model):
    """A machine on a line; tier 1 means its failure stops a JIT-linked line or bottleneck."""

    site_lookup = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="assets")
    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="assets")
    code = models.CharField(max_length=60, help_text="The asset tag, unique within its site.")
    name = models.CharField(max_length=200)
    asset_class = models.CharField(max_length=20, choices=AssetClass.choices)
    tier = models.PositiveSmallIntegerField(help_text="Criticality: 1 (highest) to 3.")
    is_bottleneck = models.BooleanField(default=False)
    machine_group = models.PositiveSmallIntegerField(
        choices=MachineGroup.choices,
        null=True,
        blank=True,
        help_text="ISO 20816-3 group for vibration zones; empty for non-rotating machines.",
    )
    foundation = models.CharField(max_length=10, choices=Foundation.choices, blank=True)
    # Per-asset overrides of the ISO zone boundaries (velocity RMS, mm/s).
    zone_ab_override = models.FloatField(null=True, blank=True)
    zone_bc_override = models.FloatField(null=True, blank=True)
    zone_cd_override = models.FloatField(null=True, blank=True)
    replacement_value = models.DecimalField(**MONEY, default=0)
    installed_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["site__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="asset_unique_code_per_site"),
            # Target of composite foreign keys (asset_id, site_id) from site-scoped rows.
            models.UniqueConstraint(fields=["id", "site"], name="asset_id_site_key"),
            models.CheckConstraint(
                condition=Q(tier__gte=1) & Q(tier__lte=3), name="asset_tier_1_3"
            ),
            models.CheckConstraint(
                condition=Q(replacement_value__gte=0), name="asset_replacement_value_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(zone_ab_override__isnull=True)
                | Q(zone_bc_override__isnull=True)
                | Q(zone_cd_override__isnull=True)
                | (
                    Q(zone_ab_override__gt=0)
                    & Q(zone_bc_override__gt=F("zone_ab_override"))
                    & Q(zone_cd_override__gt=F("zone_bc_override"))
                ),
                name="asset_zone_overrides_ordered",
            ),
        ]
        indexes = [models.Index(fields=["site", "tier"], name="asset_site_tier_idx")]

    def __str__(self):
        return f"{self.code} · {self.name}"


class Metric(models.TextChoices):
    """What a sensor measures; the unit is fixed per metric."""

    VIBRATION_VELOCITY_RMS = "vibration_velocity_rms", "Vibration velocity RMS (mm/s)"
    TEMPERATURE = "temperature", "Temperature (°C)"
    CURRENT = "current", "Current (A)"


# Values no sensor of the metric can physically report (in its unit); ingest refuses them.
METRIC_BOUNDS = {
    Metric.VIBRATION_VELOCITY_RMS: (0.0, 200.0),
    Metric.TEMPERATURE: (-60.0, 600.0),
    Metric.CURRENT: (0.0, 10_000.0),
}


class Sensor(models.Model):
    """A condition-monitoring point on an asset, measuring one metric."""

    site_lookup = "asset__site"

    # A 4-byte key keeps every reading row narrow; two billion sensors is plenty.
    id = models.AutoField(primary_key=True)
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="sensors")
    code = models.CharField(max_length=60, help_text="Unique within the asset.")
    metric = models.CharField(max_length=30, choices=Metric.choices)
    installed_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["asset__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "code"], name="sensor_unique_code_per_asset"),
        ]

    def __str__(self):
        return f"{self.asset.code}/{self.code}"


class Reading(models.Model):
    """One sensor value at one instant: the high-volume table.

    Keyed by (sensor, measured_at) with no surrogate id, so a re-sent reading can never be
    a second row and each row is 4 + 8 + 4 bytes of data. The metric and asset live on the
    sensor. See docs/readings.md for the index choice and the monthly partition plan.
    """

    site_lookup = "sensor__asset__site"

    pk = models.CompositePrimaryKey("sensor", "measured_at")
    # Column order (timestamp, int4, float4) leaves no alignment padding in a row.
    measured_at = models.DateTimeField()
    # No database foreign key: its per-row check would cost two thirds of ingest speed.
    # The ingest locks a chunk's sensors FOR KEY SHARE instead, and a trigger refuses to
    # delete a sensor that has readings (migration 0003, docs/model.md).
    sensor = models.ForeignKey(
        Sensor, on_delete=models.PROTECT, db_index=False, db_constraint=False
    )
    value = RealField()

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            # In PostgreSQL NaN sorts above +Infinity, so this one range excludes NaN and ±inf.
            models.CheckConstraint(
                condition=Q(value__gt=float("-inf")) & Q(value__lt=float("inf")),
                name="reading_value_finite",
            ),
        ]
        indexes = [
            # Time-ordered appends make BRIN tiny and good for "all readings in a window".
            BrinIndex(fields=["measured_at"], name="reading_measured_at_brin"),
        ]

    def __str__(self):
        return f"{self.sensor_id} @ {self.measured_at:%Y-%m-%d %H:%M}: {self.value}"


class FailureMechanism(models.TextChoices):
    """ISO 14224:2016 Table B.2 failure mechanism codes."""

    MECHANICAL = "1.0", "1.0 Mechanical failure — general"
    LEAKAGE = "1.1", "1.1 Leakage"
    VIBRATION = "1.2", "1.2 Vibration"
    CLEARANCE = "1.3", "1.3 Clearance/alignment failure"
    DEFORMATION = "1.4", "1.4 Deformation"
    LOOSENESS = "1.5", "1.5 Looseness"
    STICKING = "1.6", "1.6 Sticking"
    MATERIAL = "2.0", "2.0 Material failure — general"
    CAVITATION = "2.1", "2.1 Cavitation"
    CORROSION = "2.2", "2.2 Corrosion"
    EROSION = "2.3", "2.3 Erosion"
    WEAR = "2.4", "2.4 Wear"
    BREAKAGE = "2.5", "2.5 Breakage"
    FATIGUE = "2.6", "2.6 Fatigue"
    OVERHEATING = "2.7", "2.7 Overheating"
    BURST = "2.8", "2.8 Burst"
    INSTRUMENT = "3.0", "3.0 Instrument failure — general"
    CONTROL = "3.1", "3.1 Control failure"
    NO_SIGNAL = "3.2", "3.2 No signal/indication/alarm"
    FAULTY_SIGNAL = "3.3", "3.3 Faulty signal/indication/alarm"
    OUT_OF_ADJUSTMENT = "3.4", "3.4 Out of adjustment"
    SOFTWARE = "3.5", "3.5 Software failure"
    COMMON_CAUSE = "3.6", "3.6 Common cause/mode failure"
    ELECTRICAL = "4.0", "4.0 Electrical failure — general"
    SHORT_CIRCUIT = "4.1", "4.1 Short circuiting"
    OPEN_CIRCUIT = "4.2", "4.2 Open circuit"
    NO_POWER = "4.3", "4.3 No power/voltage"
    FAULTY_POWER = "4.4", "4.4 Faulty power/voltage"
    EARTH_FAULT = "4.5", "4.5 Earth/isolation fault"
    EXTERNAL = "5.0", "5.0 External influence — general"
    BLOCKAGE = "5.1", "5.1 Blockage/plugged"
    CONTAMINATION = "5.2", "5.2 Contamination"
    MISC_EXTERNAL = "5.3", "5.3 Miscellaneous external influences"
    MISC = "6.0", "6.0 Miscellaneous — general"
    NO_CAUSE = "6.1", "6.1 No cause found"
    COMBINED = "6.2", "6.2 Combined causes"
    OTHER = "6.3", "6.3 Other"
    UNKNOWN = "6.4", "6.4 Unknown"


class FailureMode(models.Model):
    """A failure mode (e.g. bearing wear) with its ISO 14224 mechanism.

    ``detectable_by_condition_monitoring`` decides which penalties count as addressable
    exposure: those stemming from failures a sensor could have seen coming.
    """

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    mechanism = models.CharField(max_length=4, choices=FailureMechanism.choices)
    detectable_by_condition_monitoring = models.BooleanField()

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.mechanism})"


class ChangeoverWindow(models.Model):
    """A planned production stop on a line, and how much maintenance it carried."""

    site_lookup = "line__site"

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="changeover_windows")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    available_minutes = models.PositiveIntegerField()
    maintenance_minutes_scheduled = models.PositiveIntegerField(default=0)
    maintenance_minutes_executed = models.PositiveIntegerField(default=0)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["line", "-starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["line", "starts_at"], name="window_unique_line_start"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="window_end_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.line} window {self.starts_at:%Y-%m-%d %H:%M}"


class WorkOrderKind(models.TextChoices):
    PREVENTIVE = "preventive", "Preventive"
    PREDICTIVE = "predictive", "Predictive"
    CORRECTIVE = "corrective", "Corrective"
    EMERGENCY = "emergency", "Emergency"


class WorkOrder(models.Model):
    """Maintenance work on an asset, identified by the CMMS number within its site."""

    site_lookup = "site"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="work_orders")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="work_orders")
    external_id = models.CharField(
        max_length=120,
        help_text="The CMMS work-order number, or the key a mapping builds when the export "
        "has none.",
    )
    kind = models.CharField(max_length=12, choices=WorkOrderKind.choices)
    description = models.TextField(blank=True)
    opened_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    downtime_minutes = models.PositiveIntegerField(default=0)
    parts_cost = models.DecimalField(**MONEY, default=0)
    labour_hours = models.DecimalField(**HOURS, default=0)
    labour_cost = models.DecimalField(**MONEY, default=0)
    changeover_window = models.ForeignKey(
        ChangeoverWindow,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_orders",
    )
    failure_mode = models.ForeignKey(
        FailureMode, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "external_id"], name="workorder_unique_per_site"
            ),
            # Money may be negative (credit notes, reversals); hours may not.
            models.CheckConstraint(
                condition=Q(labour_hours__gte=0), name="workorder_hours_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(started_at__isnull=True) | Q(started_at__gte=F("opened_at")),
                name="workorder_started_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True)
                | (
                    Q(completed_at__gte=F("opened_at"))
                    & (Q(started_at__isnull=True) | Q(completed_at__gte=F("started_at")))
                ),
                name="workorder_completed_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["asset", "kind", "completed_at"], name="workorder_asset_kind_idx"),
            models.Index(fields=["site", "opened_at"], name="workorder_site_opened_idx"),
        ]

    def __str__(self):
        return f"WO {self.external_id} ({self.kind})"


class FailureEvent(models.Model):
    """An unplanned stop of an asset. Several parts failing at one moment are one event."""

    site_lookup = "asset__site"

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="failure_events")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the asset ran again. Empty: the duration is unknown (or, if open, "
        "still down).",
    )
    is_open = models.BooleanField(
        default=False,
        help_text="The asset is still down now. Only an open failure runs to the window's end; "
        "a missing end alone means an unknown duration.",
    )
    failure_mode = models.ForeignKey(
        FailureMode, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    production_lost_units = models.PositiveIntegerField(default=0)
    work_order = models.OneToOneField(
        WorkOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="failure_event"
    )
    description = models.TextField(blank=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "started_at"], name="failure_unique_asset_start"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="failure_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(is_open=False) | Q(ended_at__isnull=True),
                name="failure_open_has_no_end",
            ),
        ]

    def __str__(self):
        return f"{self.asset.code} failed {self.started_at:%Y-%m-%d %H:%M}"


class ProductionRecord(models.Model):
    """Planned time, run time and counts of a line for one shift (ISO 22400-2 OEE inputs)."""

    site_lookup = "line__site"

    line = models.ForeignKey(Line, on_delete=models.PROTECT, related_name="production_records")
    production_date = models.DateField()
    shift = models.CharField(max_length=10, default="day")
    planned_production_minutes = models.PositiveIntegerField()
    run_minutes = models.PositiveIntegerField()
    ideal_cycle_time_seconds = models.FloatField()
    total_count = models.PositiveIntegerField()
    good_count = models.PositiveIntegerField()

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["line", "-production_date", "shift"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "production_date", "shift"], name="production_unique_line_shift"
            ),
            models.CheckConstraint(
                condition=Q(run_minutes__lte=F("planned_production_minutes")),
                name="production_run_le_planned",
            ),
            models.CheckConstraint(
                condition=Q(good_count__lte=F("total_count")), name="production_good_le_total"
            ),
            models.CheckConstraint(
                condition=Q(ideal_cycle_time_seconds__gt=0), name="production_ideal_cycle_positive"
            ),
        ]

    def __str__(self):
        return f"{self.line} {self.production_date} {self.shift}"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    WORK_ORDER = "work_order", "Work order linked"
    CLOSED = "closed", "Closed"


class AlertResolution(models.TextChoices):
    CONFIRMED_FAULT = "confirmed_fault", "Confirmed fault"
    FALSE_ALARM = "false_alarm", "False alarm"


class Zone(models.TextChoices):
    """ISO 20816-3 evaluation zones, A (new) to D (damage)."""

    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Alert(models.Model):
    """A condition alert raised from readings; one open alert per asset and metric."""

    site_lookup = "asset__site"

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="alerts")
    sensor = models.ForeignKey(
        Sensor, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    metric = models.CharField(max_length=30, choices=Metric.choices)
    rule = models.CharField(max_length=20, help_text="zone, threshold or trend.")
    status = models.CharField(max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    detected_at = models.DateTimeField()
    first_zone = models.CharField(max_length=1, choices=Zone.choices, blank=True)
    worst_zone = models.CharField(max_length=1, choices=Zone.choices, blank=True)
    rate_per_day = models.FloatField(null=True, blank=True, help_text="Progression, unit/day.")
    estimated_hours_to_failure = models.FloatField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=16, choices=AlertResolution.choices, blank=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "metric"],
                condition=~Q(status=AlertStatus.CLOSED),
                name="alert_one_open_per_asset_metric",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True)
                | Q(acknowledged_at__gte=F("detected_at")),
                name="alert_ack_after_detection",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=AlertStatus.CLOSED) & Q(closed_at__isnull=False) & ~Q(resolution="")
                )
                | (~Q(status=AlertStatus.CLOSED) & Q(closed_at__isnull=True) & Q(resolution="")),
                name="alert_closed_iff_resolved",
                violation_error_message="A closed alert has a closing time and a resolution; "
                "an alert still open has neither.",
            ),
            models.CheckConstraint(
                condition=Q(estimated_hours_to_failure__isnull=True)
                | Q(estimated_hours_to_failure__gte=0),
                name="alert_ttf_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["asset", "detected_at"], name="alert_asset_detected_idx")]

    def __str__(self):
        return f"{self.asset.code} {self.metric} {self.status}"


class FindingOrigin(models.TextChoices):
    ALERT = "alert", "Condition alert"
    PROACTIVE = "proactive", "Proactive finding"


class PreventedFailure(models.Model):
    """A technician's documented save: found, confirmed, repaired in a planned window."""

    site_lookup = "site"

    technician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prevented_failures"
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="prevented_failures")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="prevented_failures")
    origin = models.CharField(max_length=10, choices=FindingOrigin.choices)
    alert = models.ForeignKey(
        Alert, on_delete=models.SET_NULL, null=True, blank=True, related_name="prevented_failures"
    )
    failure_mode = models.ForeignKey(
        FailureMode, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detected_at = models.DateTimeField()
    confirmed_at = models.DateTimeField()
    evidence = models.TextField(help_text="The physical evidence that confirmed the fault.")
    repair_work_order = models.ForeignKey(
        WorkOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changeover_window = models.ForeignKey(
        ChangeoverWindow, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    parts_cost = models.DecimalField(**MONEY, default=0)
    labour_hours = models.DecimalField(**HOURS, default=0)
    protected_window_hours = models.DecimalField(**HOURS)
    estimated_value = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-confirmed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parts_cost__gte=0)
                & Q(labour_hours__gte=0)
                & Q(protected_window_hours__gte=0)
                & Q(estimated_value__gte=0),
                name="prevented_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_at__gte=F("detected_at")),
                name="prevented_confirmed_after_detected",
            ),
            models.UniqueConstraint(
                fields=["technician", "asset", "detected_at"], name="prevented_unique_finding"
            ),
        ]

    def __str__(self):
        return f"{self.asset.code} saved by {self.technician} on {self.confirmed_at:%Y-%m-%d}"


class CertificationKind(models.TextChoices):
    CMRP = "cmrp", "CMRP"
    VIBRATION_CAT_I = "va_cat_1", "Vibration analysis Category I (ISO 18436-2)"
    VIBRATION_CAT_II = "va_cat_2", "Vibration analysis Category II (ISO 18436-2)"
    VIBRATION_CAT_III = "va_cat_3", "Vibration analysis Category III (ISO 18436-2)"
    OTHER = "other", "Other"


class CertificationStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    EARNED = "earned", "Earned"


class Certification(models.Model):
    """A professional certification a person holds or is working towards."""

    person_lookup = "holder"

    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certifications"
    )
    kind = models.CharField(max_length=10, choices=CertificationKind.choices)
    name = models.CharField(max_length=120, blank=True, help_text="For kind 'other'.")
    status = models.CharField(max_length=12, choices=CertificationStatus.choices)
    target_date = models.DateField(null=True, blank=True)
    earned_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)

    objects = PeopleScopedQuerySet.as_manager()

    class Meta:
        ordering = ["holder", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["holder", "kind", "name"], name="certification_unique"),
            models.CheckConstraint(
                condition=~Q(status=CertificationStatus.EARNED) | Q(earned_on__isnull=False),
                name="certification_earned_has_date",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(earned_on__isnull=True)
                | Q(expires_on__gt=F("earned_on")),
                name="certification_expires_after_earned",
            ),
            models.CheckConstraint(
                condition=~Q(kind=CertificationKind.OTHER) | ~Q(name=""),
                name="certification_other_is_named",
            ),
        ]

    def __str__(self):
        return f"{self.holder} · {self.name or self.get_kind_display()} ({self.status})"


class ReadingRollup(models.Model):
    """Aggregates of one sensor's readings over one UTC bucket (reliability/rollups.py).

    Kept as mergeable sums, so each landed chunk adds to them: mean = sum / count,
    variance = sum_sq / count − mean². A percentile is not mergeable and is not kept.
    """

    site_lookup = "sensor__asset__site"

    pk = models.CompositePrimaryKey("sensor", "bucket")
    sensor = models.ForeignKey(
        Sensor, on_delete=models.PROTECT, db_index=False, db_constraint=False, related_name="+"
    )
    # Declared widest first: with the foreign key created last, a row has no padding.
    bucket = models.DateTimeField(help_text="Start of the UTC hour or UTC day.")
    sum = models.FloatField()
    sum_sq = models.FloatField(help_text="Sum of squared values, for a standard deviation.")
    count = models.IntegerField()
    min = RealField()
    max = RealField()

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(count__gte=1) & Q(min__lte=F("max")),
                name="%(class)s_count_positive_min_le_max",
            ),
        ]

    def __str__(self):
        return f"{self.sensor_id} @ {self.bucket:%Y-%m-%d %H:%M}: n={self.count}"

    @property
    def mean(self) -> float:
        return self.sum / self.count

    @property
    def std(self) -> float:
        """Population standard deviation of the bucket's values."""
        mean = self.mean
        return max(self.sum_sq / self.count - mean * mean, 0.0) ** 0.5


class ReadingHourly(ReadingRollup):
    """Readings per sensor and UTC hour."""


class ReadingDaily(ReadingRollup):
    """Readings per sensor and UTC day."""


class EscalationTrigger(models.TextChoices):
    UNACKNOWLEDGED = "unacknowledged", "Alert not acknowledged in time"
    ZONE_D_JIT = "zone_d_jit", "Zone D on a JIT-linked line"


class EscalationRule(models.Model):
    """A portfolio's escalation policy, one rule a row (data, edited in the admin).

    Defaults, made with the portfolio (reliability.services.escalation_rules_create_defaults):
    a Tier 1 alert not acknowledged within 4 hours goes to the site's managers; zone D on a
    JIT-linked line goes to the directors.
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

    objects = PortfolioWideQuerySet.as_manager()

    class Meta:
        db_table = "portfolio_escalationrule"
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
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="escalations")
    fired_at = models.DateTimeField()
    recipients = models.JSONField(default=list, help_text="Usernames notified.")

    objects = SiteScopedQuerySet.as_manager()

    class Meta:
        db_table = "portfolio_escalation"
        ordering = ["-fired_at"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "alert"], name="escalation_once_per_alert")
        ]

    def __str__(self):
        return f"{self.rule.name} for alert {self.alert_id}"


class Notification(models.Model):
    """An in-app message for one person, with a link to what it is about (escalations send them)."""

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
        db_table = "portfolio_notification"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return f"{self.user}: {self.message}"
