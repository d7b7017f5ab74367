from django.contrib import admin
from django.db.models import Count, Exists, Max, Min, OuterRef
from django.utils.html import format_html, format_html_join

from portfolio.access import Action
from portfolio.admin_scoping import ScopedAdmin, SuperuserOnlyAdmin

from .models import (
    Alert,
    Asset,
    Certification,
    ChangeoverWindow,
    Escalation,
    EscalationRule,
    FailureEvent,
    FailureMode,
    Notification,
    PreventedFailure,
    ProductionRecord,
    Reading,
    Sensor,
    WorkOrder,
)

RECENT_READINGS = 20


def _time(value):
    return value.isoformat(sep=" ", timespec="seconds")


class SensorInline(admin.TabularInline):
    model = Sensor
    fields = ("code", "metric", "installed_at", "is_active")
    extra = 0
    show_change_link = True


@admin.register(Asset)
class AssetAdmin(ScopedAdmin):
    write_action = Action.ASSET
    list_display = (
        "code",
        "name",
        "site",
        "line",
        "asset_class",
        "tier",
        "is_bottleneck",
        "is_active",
    )
    list_filter = ("tier", "asset_class", "is_bottleneck", "is_active", "site__portfolio", "site")
    search_fields = ("code", "name")
    list_select_related = ("site", "line__site")
    autocomplete_fields = ("site", "line")
    fieldsets = [
        (None, {"fields": ("site", "line", "code", "name", "is_active")}),
        (
            "Criticality",
            {
                "fields": (
                    "asset_class",
                    "tier",
                    "is_bottleneck",
                    "replacement_value",
                    "installed_on",
                )
            },
        ),
        (
            "Vibration zones (ISO 20816-3)",
            {
                "fields": (
                    "machine_group",
                    "foundation",
                    ("zone_ab_override", "zone_bc_override", "zone_cd_override"),
                )
            },
        ),
    ]
    inlines = [SensorInline]


@admin.register(Sensor)
class SensorAdmin(ScopedAdmin):
    write_action = Action.ASSET
    list_display = ("code", "asset", "site", "metric", "installed_at", "is_active")
    list_filter = ("metric", "is_active", "asset__site__portfolio", "asset__site")
    search_fields = ("code", "asset__code", "asset__name")
    list_select_related = ("asset__site",)
    autocomplete_fields = ("asset",)
    readonly_fields = ("readings",)

    @admin.display(ordering="asset__site__code")
    def site(self, obj):
        return obj.asset.site

    @admin.display(description="Readings")
    def readings(self, obj):
        if obj.pk is None:
            return "—"
        readings = Reading.objects.filter(sensor=obj)
        stats = readings.aggregate(
            count=Count("*"), first=Min("measured_at"), last=Max("measured_at")
        )
        if not stats["count"]:
            return "No readings yet."
        recent = readings.order_by("-measured_at").values_list("measured_at", "value")
        return format_html(
            "<p>{} readings, first {}, last {}.</p>"
            "<table><thead><tr><th>Measured at</th><th>Value</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            f"{stats['count']:,}",
            _time(stats["first"]),
            _time(stats["last"]),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td></tr>",
                ((_time(at), value) for at, value in recent[:RECENT_READINGS]),
            ),
        )

    def get_deleted_objects(self, objs, request):
        """Refuse up front when readings exist, rather than loading them all as protected."""
        with_readings = Sensor.objects.filter(
            Exists(Reading.objects.filter(sensor=OuterRef("pk"))),
            pk__in=[obj.pk for obj in objs],
        ).select_related("asset")
        if with_readings:
            return [], {}, set(), [f"{sensor} has readings" for sensor in with_readings]
        return super().get_deleted_objects(objs, request)


@admin.register(FailureMode)
class FailureModeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "mechanism", "detectable_by_condition_monitoring")
    list_filter = ("detectable_by_condition_monitoring", "mechanism")
    search_fields = ("code", "name")


@admin.register(ChangeoverWindow)
class ChangeoverWindowAdmin(ScopedAdmin):
    write_action = Action.CHANGEOVER_WINDOW
    list_display = (
        "line",
        "starts_at",
        "ends_at",
        "available_minutes",
        "maintenance_minutes_scheduled",
        "maintenance_minutes_executed",
    )
    list_filter = ("line__site__portfolio", "line__site")
    search_fields = ("line__code", "line__name", "line__site__code")
    date_hierarchy = "starts_at"
    list_select_related = ("line__site",)
    autocomplete_fields = ("line",)


@admin.register(WorkOrder)
class WorkOrderAdmin(ScopedAdmin):
    write_action = Action.WORK_ORDER
    list_display = (
        "external_id",
        "site",
        "asset",
        "kind",
        "opened_at",
        "completed_at",
        "downtime_minutes",
        "parts_cost",
        "labour_cost",
    )
    list_filter = ("kind", "site__portfolio", "site")
    search_fields = ("external_id", "asset__code", "asset__name")
    date_hierarchy = "opened_at"
    list_select_related = ("site", "asset")
    autocomplete_fields = ("site", "asset", "changeover_window", "failure_mode")


@admin.register(FailureEvent)
class FailureEventAdmin(ScopedAdmin):
    write_action = Action.WORK_ORDER
    list_display = (
        "asset",
        "started_at",
        "ended_at",
        "is_open",
        "failure_mode",
        "production_lost_units",
        "work_order",
    )
    list_filter = (
        "is_open",  # still down now; an empty end without it is an unknown duration
        "failure_mode__detectable_by_condition_monitoring",
        "asset__site__portfolio",
        "asset__site",
    )
    search_fields = ("asset__code", "asset__name", "work_order__external_id")
    date_hierarchy = "started_at"
    list_select_related = ("asset", "failure_mode", "work_order")
    autocomplete_fields = ("asset", "failure_mode", "work_order")


@admin.register(ProductionRecord)
class ProductionRecordAdmin(ScopedAdmin):
    list_display = (
        "line",
        "production_date",
        "shift",
        "planned_production_minutes",
        "run_minutes",
        "total_count",
        "good_count",
    )
    list_filter = ("shift", "line__site__portfolio", "line__site")
    search_fields = ("line__code", "line__name", "line__site__code")
    date_hierarchy = "production_date"
    list_select_related = ("line__site",)
    autocomplete_fields = ("line",)


@admin.register(Alert)
class AlertAdmin(ScopedAdmin):
    write_action = Action.ALERT
    list_display = (
        "asset",
        "metric",
        "rule",
        "status",
        "worst_zone",
        "detected_at",
        "acknowledged_at",
        "work_order",
        "resolution",
    )
    list_filter = ("status", "metric", "rule", "worst_zone", "resolution", "asset__site")
    search_fields = ("asset__code", "asset__name", "sensor__code", "work_order__external_id")
    date_hierarchy = "detected_at"
    list_select_related = ("asset", "work_order")
    autocomplete_fields = ("asset", "sensor", "work_order", "acknowledged_by")


@admin.register(PreventedFailure)
class PreventedFailureAdmin(ScopedAdmin):
    write_action = Action.PREVENTED_FAILURE
    list_display = (
        "asset",
        "site",
        "technician",
        "origin",
        "detected_at",
        "confirmed_at",
        "estimated_value",
    )
    list_filter = ("origin", "site__portfolio", "site")
    search_fields = ("asset__code", "asset__name", "technician__username")
    date_hierarchy = "confirmed_at"
    list_select_related = ("asset", "site", "technician")
    autocomplete_fields = (
        "technician",
        "site",
        "asset",
        "alert",
        "failure_mode",
        "repair_work_order",
        "changeover_window",
    )


@admin.register(Certification)
class CertificationAdmin(ScopedAdmin):
    list_display = ("holder", "kind", "name", "status", "target_date", "earned_on", "expires_on")
    list_filter = ("kind", "status")
    search_fields = ("holder__username", "holder__first_name", "holder__last_name", "name")
    list_select_related = ("holder",)
    autocomplete_fields = ("holder",)


@admin.register(EscalationRule)
class EscalationRuleAdmin(ScopedAdmin):
    """The escalation policy: directors edit their portfolio's, as they edit its standard."""

    portfolio_write_action = Action.STANDARD
    list_display = (
        "portfolio",
        "name",
        "trigger",
        "tier",
        "after_hours",
        "notify_role",
        "is_active",
    )
    list_filter = ("trigger", "notify_role", "is_active")
    list_select_related = ("portfolio",)


@admin.register(Escalation)
class EscalationAdmin(ScopedAdmin):
    """Escalations that fired: a record, so view-only."""

    list_display = ("fired_at", "rule", "alert", "recipients")
    list_select_related = ("rule", "alert__asset")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(SuperuserOnlyAdmin):
    """Every person's notifications: for superusers (people read theirs in the app), as
    the audit log."""

    list_display = ("created_at", "user", "message", "read_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "message")
