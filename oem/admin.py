from django.contrib import admin

from portfolio.admin_scoping import ScopedAdmin

from .models import OEMCustomer, OEMRelationship, PenaltyRecord, ScorecardResult


class ScorecardInline(admin.TabularInline):
    model = ScorecardResult
    fields = ("year", "quarter", "score", "components")
    extra = 0


@admin.register(OEMCustomer)
class OEMCustomerAdmin(ScopedAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(OEMRelationship)
class OEMRelationshipAdmin(ScopedAdmin):
    list_display = ("customer", "site", "status", "annual_revenue", "sdp_threshold_score")
    list_filter = ("status", "customer", "site__portfolio", "site")
    search_fields = ("customer__code", "customer__name", "site__code", "site__name")
    list_select_related = ("customer", "site")
    inlines = [ScorecardInline]


@admin.register(ScorecardResult)
class ScorecardResultAdmin(ScopedAdmin):
    list_display = ("relationship", "year", "quarter", "score")
    list_filter = ("year", "quarter", "relationship__customer", "relationship__site")
    search_fields = ("relationship__customer__name", "relationship__site__code")
    list_select_related = ("relationship__customer", "relationship__site")
    autocomplete_fields = ("relationship",)


@admin.register(PenaltyRecord)
class PenaltyRecordAdmin(ScopedAdmin):
    list_display = (
        "invoice_reference",
        "relationship",
        "incurred_on",
        "amount",
        "reason",
        "failure_event",
        "asset",
    )
    list_filter = ("relationship__customer", "relationship__site__portfolio", "relationship__site")
    search_fields = ("invoice_reference", "reason", "relationship__customer__name")
    date_hierarchy = "incurred_on"
    list_select_related = (
        "relationship__customer",
        "relationship__site",
        "failure_event__asset",
        "asset",
    )
    autocomplete_fields = ("relationship", "failure_event", "asset")
