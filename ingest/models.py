"""An ingest batch (one file or API payload, loaded as a unit) and the rows it refused."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from portfolio.access import Action, writable_site_ids
from portfolio.models import Site


class Kind(models.TextChoices):
    """What a batch loads; each kind has its columns and natural key in ingest/kinds.py."""

    PORTFOLIOS = "portfolios", "Portfolios"
    SITES = "sites", "Sites"
    LINES = "lines", "Lines"
    ASSETS = "assets", "Assets"
    SENSORS = "sensors", "Sensors"
    OEM_CUSTOMERS = "oem_customers", "OEM customers"
    READINGS = "readings", "Sensor readings"
    WORK_ORDERS = "work_orders", "Work orders"
    FAILURE_EVENTS = "failure_events", "Failure events"
    CHANGEOVER_WINDOWS = "changeover_windows", "Changeover windows"
    PRODUCTION_RECORDS = "production_records", "Production records"
    OEM_RELATIONSHIPS = "oem_relationships", "OEM relationships"
    SCORECARDS = "scorecards", "Scorecard results"
    PENALTIES = "penalties", "Penalty records"
    CERTIFICATIONS = "certifications", "Certifications"


class Source(models.TextChoices):
    API = "api", "API"
    UPLOAD = "upload", "Browser upload"
    CLI = "cli", "Command line"


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class IngestBatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A batch is seen by the person or integrator who sent it, and by the operator."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(created_by=user)


class IngestBatch(models.Model):
    """One file (or API payload) loaded as a unit, with its counts and progress.

    Progress is committed with each chunk, together with that chunk's rows, so the counts
    are exact at every moment and a worker that dies resumes after the last committed
    chunk (``resume_offset``) without counting anything twice.
    """

    kind = models.CharField(max_length=24, choices=Kind.choices)
    source = models.CharField(max_length=8, choices=Source.choices)
    mapping = models.CharField(max_length=60, help_text="The column mapping's name.")
    mapping_definition = models.JSONField(
        null=True,
        blank=True,
        help_text="The mapping's JSON as it was when the batch was created (a stored or "
        "file mapping), so a resumed batch reads the file the same way. Empty: a shipped one.",
    )
    header_lines = models.PositiveSmallIntegerField(
        default=1, help_text="Physical lines before the first data line (0: no header)."
    )
    column_overrides = models.JSONField(
        default=dict, blank=True, help_text="Our field -> the file's column, over the mapping."
    )
    site = models.ForeignKey(
        "portfolio.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The site for rows that name none (and where unknown assets are created).",
    )
    create_missing_assets = models.BooleanField(
        default=False, help_text="Create assets the file names but we lack, at the batch's site."
    )
    file = models.FileField(upload_to="ingest/%Y/%m/", max_length=200)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True, help_text="Why the file as a whole could not be read.")
    rows_total = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Data lines in the file, counted before loading."
    )
    rows_read = models.PositiveBigIntegerField(default=0)
    rows_inserted = models.PositiveBigIntegerField(default=0)
    rows_updated = models.PositiveBigIntegerField(default=0)
    rows_duplicate = models.PositiveBigIntegerField(default=0)
    rows_rejected = models.PositiveBigIntegerField(default=0)
    resume_offset = models.PositiveBigIntegerField(
        default=0, help_text="Byte offset in the file after the last committed chunk."
    )
    resume_line = models.PositiveBigIntegerField(
        default=0, help_text="Physical line number of the last line committed."
    )
    created_assets = models.JSONField(default=list, blank=True)
    site_ids = models.JSONField(
        default=list, blank=True, help_text="Sites whose data the batch changed."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ingest_batches",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = IngestBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="batch_creator_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    rows_read=F("rows_inserted")
                    + F("rows_updated")
                    + F("rows_duplicate")
                    + F("rows_rejected")
                ),
                name="batch_counts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | Q(status__in=["done", "failed"]),
                name="batch_finished_only_when_over",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kind} {self.file_name} ({self.status})"

    @property
    def is_over(self) -> bool:
        return self.status in (Status.DONE, Status.FAILED)

    @property
    def lines_done(self) -> int:
        """Data lines committed so far (the header is line 1)."""
        return max(0, self.resume_line - self.header_lines)

    @property
    def progress(self) -> float | None:
        """Share of the file's lines processed, 0..1; None before the lines are counted."""
        if self.status == Status.DONE:
            return 1.0
        if not self.rows_total:
            return None
        return min(1.0, self.lines_done / self.rows_total)


class RejectedRow(models.Model):
    """A line of a batch that was not loaded, and why."""

    batch = models.ForeignKey(IngestBatch, on_delete=models.CASCADE, related_name="rejected_rows")
    line = models.PositiveBigIntegerField(help_text="Line number in the file; the header is 1.")
    field = models.CharField(max_length=60, blank=True)
    key = models.CharField(
        max_length=120, blank=True, help_text="The natural key built for the row, when known."
    )
    reason = models.CharField(max_length=300)
    raw = models.TextField(blank=True, help_text="The line as it was in the file.")

    class Meta:
        ordering = ["batch", "line", "id"]
        indexes = [models.Index(fields=["batch", "line"], name="rejected_batch_line_idx")]

    def __str__(self):
        return f"line {self.line}: {self.field} {self.reason}"


class MappingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Mappings of the portfolios a user may load into, and those shared with all
        (no portfolio); the operator sees every one, who may load nothing sees none."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        sites = writable_site_ids(user, Action.INGEST)
        if sites is None:
            return self
        if not sites:
            return self.none()
        portfolios = Site.objects.filter(pk__in=sites).values("portfolio_id")
        return self.filter(Q(portfolio__isnull=True) | Q(portfolio_id__in=portfolios))


class Mapping(models.Model):
    """A column mapping kept as data: the same JSON as a file in ingest/mappings/."""

    name = models.SlugField(max_length=60, help_text="How batches name it (unique).")
    kind = models.CharField(
        max_length=24, choices=Kind.choices, blank=True, help_text="Empty: any kind."
    )
    description = models.CharField(max_length=300, blank=True)
    definition = models.JSONField(help_text="The mapping's keys (docs/ingest.md).")
    portfolio = models.ForeignKey(
        "portfolio.Portfolio",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who may use it: the portfolio's site managers and integrators. "
        "Empty: everyone who may load data (operator only).",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ingest_mappings",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MappingQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="mapping_unique_name")]

    def __str__(self):
        return self.name
