from django.contrib import admin

from portfolio.access import Action
from portfolio.admin import PortfolioAdmin
from portfolio.admin_scoping import ScopedAdmin, SuperuserReadOnlyAdmin
from portfolio.models import Portfolio
from scores.forms import STANDARD_GROUPS
from scores.models import (
    CapitalProposal,
    PendingRecompute,
    ReliabilityStandard,
    SiteScoreSnapshot,
)
from scores.services import standard_stamp_change

STANDARD_READONLY = ("version", "updated_at", "updated_by")


class ReliabilityStandardInline(admin.StackedInline):
    model = ReliabilityStandard
    max_num = 1
    can_delete = False  # a portfolio keeps its standard for as long as it exists
    readonly_fields = STANDARD_READONLY


admin.site.unregister(Portfolio)


@admin.register(Portfolio)
class PortfolioWithStandardAdmin(PortfolioAdmin):
    """The organisation's portfolio admin, with the portfolio's standard inline."""

    inlines = [*PortfolioAdmin.inlines, ReliabilityStandardInline]

    def get_inlines(self, request, obj):
        # A new portfolio gets its standard when it is saved (scores.receivers): the inline
        # edits that standard, so it shows from the portfolio's first change on.
        if obj is None:
            return [i for i in self.inlines if i is not ReliabilityStandardInline]
        return self.inlines

    def save_formset(self, request, form, formset, change):
        if formset.model is ReliabilityStandard:
            for inline_form in formset.forms:
                if inline_form.has_changed():
                    standard_stamp_change(standard=inline_form.instance, user=request.user)
        super().save_formset(request, form, formset, change)


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

    def has_add_permission(self, request):
        return False  # made with its portfolio (scores.receivers)

    def has_delete_permission(self, request, obj=None):
        return False  # goes with its portfolio: every page measures the sites against it


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


@admin.register(PendingRecompute)
class PendingRecomputeAdmin(SuperuserReadOnlyAdmin):
    """Recomputes waiting for the broker (scores.scheduling), for the operator to see that
    the periodic job drains them; the job deletes each row once it is queued."""

    list_display = ("site", "requested_at", "error")
