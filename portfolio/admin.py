from django.contrib import admin

from portfolio.admin_scoping import ScopedAdmin, SuperuserReadOnlyAdmin
from portfolio.models import AuditEntry, Line, Membership, Portfolio, Site


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


@admin.register(AuditEntry)
class AuditEntryAdmin(SuperuserReadOnlyAdmin):
    """The audit log: read-only, for superusers (it spans every portfolio)."""

    list_display = ("at", "actor_name", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    search_fields = ("actor_name", "object_repr", "object_id")
    date_hierarchy = "at"
    list_select_related = ("content_type",)
