from django.contrib import admin

from portfolio.access import Action
from portfolio.admin_scoping import ScopedAdmin

from .forms import STANDARD_GROUPS
from .models import (
    AuditEntry,
    CapitalProposal,
    Escalation,
    EscalationRule,
    Line,
    Membership,
    Notification,
    Portfolio,
    ReliabilityStandard,
    Site,
    SiteScoreSnapshot,
)
from .services import standard_stamp_change

STANDARD_READONLY = ("version", "updated_at", "updated_by")


class ReliabilityStandardInline(admin.StackedInline):
    model = ReliabilityStandard
    max_num = 1
    readonly_fields = STANDARD_READONLY


class LineInline(admin.TabularInline):
    model = Line
    fields = ("code", "name", "jit_linked")
    extra = 0
    show_change_link = True


@admin.register(Portfolio)
class PortfolioAdmin(ScopedAdmin):
    list_display = ("code", "name", "currency", "is_acquisition_target", "created_at")
    list_filter = ("is_acquisition_target", "currency")
    search_fields = ("code", "name")
    inlines = [ReliabilityStandardInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is ReliabilityStandard:
            for inline_form in formset.forms:
                if inline_form.has_changed():
                    standard_stamp_change(standard=inline_form.instance, user=request.user)
        super().save_formset(request, form, formset, change)


@admin.register(Site)
class SiteAdmin(ScopedAdmin):
    list_display = (
        "code",
        "name",
        "portfolio",
        "timezone",
        "annual_revenue",
        "production_value_per_hour",
    )
    list_filter = ("portfolio",)
    search_fields = ("code", "name", "portfolio__name")
    list_select_related = ("portfolio",)
    inlines = [LineInline]


@admin.register(Line)
class LineAdmin(ScopedAdmin):
    list_display = ("code", "name", "site", "jit_linked")
    list_filter = ("jit_linked", "site__portfolio", "site")
    search_fields = ("code", "name", "site__code", "site__name")
    list_select_related = ("site",)


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ("user", "role", "portfolio", "site", "created_at")
    list_filter = ("role", "portfolio", "site")
    search_fields = ("user__username", "user__email", "user__first_name", "user__last_name")
    list_select_related = ("user", "portfolio", "site")
    autocomplete_fields = ("user",)


@admin.register(ReliabilityStandard)
class ReliabilityStandardAdmin(ScopedAdmin):
    portfolio_write_action = Action.STANDARD
    list_display = ("portfolio", "version", "updated_at", "updated_by")
    search_fields = ("portfolio__code", "portfolio__name")
    list_select_related = ("portfolio", "updated_by")
    readonly_fields = STANDARD_READONLY
    fieldsets = [
        (None, {"fields": ("portfolio", *STANDARD_READONLY)}),
        *[(title, {"fields": names}) for title, names in STANDARD_GROUPS],
    ]

    def save_model(self, request, obj, form, change):
        if form.has_changed():
            standard_stamp_change(standard=obj, user=request.user)
        super().save_model(request, obj, form, change)


@admin.register(CapitalProposal)
class CapitalProposalAdmin(ScopedAdmin):
    portfolio_write_action = Action.CAPITAL_PLAN
    list_display = ("site", "amount", "description", "updated_at", "updated_by")
    list_filter = ("site__portfolio",)
    search_fields = ("site__code", "site__name", "description")
    list_select_related = ("site", "updated_by")
    readonly_fields = ("updated_at", "updated_by")

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SiteScoreSnapshot)
class SiteScoreSnapshotAdmin(ScopedAdmin):
    """Computed history, so view-only: every field is read-only and nothing can be added."""

    list_display = (
        "site",
        "as_of",
        "risk_tier",
        "maturity_composite",
        "penalty_exposure",
        "addressable_exposure",
        "revenue_at_risk",
        "oee",
        "standard_version",
    )
    list_filter = ("risk_tier", "site__portfolio", "site")
    search_fields = ("site__code", "site__name")
    date_hierarchy = "as_of"
    list_select_related = ("site",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log: read-only, for superusers (it spans every portfolio)."""

    list_display = ("at", "actor_name", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    search_fields = ("actor_name", "object_repr", "object_id")
    date_hierarchy = "at"
    list_select_related = ("content_type",)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
class NotificationAdmin(admin.ModelAdmin):
    """Every person's notifications: for superusers (people read theirs in the app)."""

    list_display = ("created_at", "user", "message", "read_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "message")
