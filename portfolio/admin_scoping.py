"""The admin's share of the one scoping mechanism (portfolio.access).

Every admin of a scoped model derives from ``ScopedAdmin``: its lists and pages hold only
what ``visible_to`` returns, its foreign-key choices and list filters likewise, and saving
checks the same write rule as pages and API, for the record's new site and, on update, its
old one.
Django's model permissions still apply on top; a superuser sees and writes everything.
"""

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist

from portfolio.access import (
    Action,
    can_write_portfolio,
    can_write_site,
    check_portfolio_write,
    check_site_write,
)
from portfolio.models import Site


def site_id_of(obj) -> int | None:
    """The id of the site ``obj`` belongs to, following its model's ``site_lookup``."""
    lookup = type(obj).site_lookup
    if not lookup:
        return obj.pk
    *path, last = lookup.split("__")
    for step in path:
        obj = getattr(obj, step, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


def portfolio_id_of(obj) -> int | None:
    """The portfolio of a portfolio-level row (the standard) or of a site's row (its plan)."""
    if hasattr(obj, "portfolio_id"):
        return obj.portfolio_id
    site_id = site_id_of(obj)
    return Site.objects.filter(pk=site_id).values_list("portfolio_id", flat=True).first()


def _scoped_manager(model):
    manager = model._default_manager
    return manager if hasattr(manager, "visible_to") else None


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A list filter over a scoped relation (site, portfolio, line…) that offers only the
    rows the user may see: another portfolio's site names are not listed."""

    def field_choices(self, field, request, model_admin):
        manager = _scoped_manager(field.related_model)
        if manager is None:
            return super().field_choices(field, request, model_admin)
        queryset = manager.visible_to(request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(row.pk, str(row)) for row in queryset]


def scoped_list_filter(model, list_filter) -> list:
    """``list_filter`` with each relation to a scoped model given the scoped filter."""
    scoped = []
    for entry in list_filter:
        if isinstance(entry, str):
            try:
                field = get_fields_from_path(model, entry)[-1]
            except (FieldDoesNotExist, NotRelationField):  # the admin's checks report it
                field = None
            if (
                field is not None
                and field.is_relation
                and _scoped_manager(field.related_model) is not None
            ):
                entry = (entry, ScopedRelatedFieldListFilter)
        scoped.append(entry)
    return scoped


class ScopedAdmin(admin.ModelAdmin):
    """An admin that shows and writes only within the user's scope.

    ``write_action``: the site-level action needed to add, change or delete; or
    ``portfolio_write_action`` for portfolio-level rows (the standard). With neither,
    only superusers write.
    """

    write_action: Action | None = None
    portfolio_write_action: Action | None = None

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_list_filter(self, request):
        return scoped_list_filter(self.model, super().get_list_filter(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        manager = db_field.related_model._default_manager
        if hasattr(manager, "visible_to"):
            kwargs.setdefault("queryset", manager.visible_to(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _may_write(self, request, obj=None) -> bool:
        user = request.user
        if user.is_superuser:
            return True
        if self.portfolio_write_action is not None:
            return obj is None or can_write_portfolio(
                user, portfolio_id_of(obj), self.portfolio_write_action
            )
        if self.write_action is not None:
            return obj is None or can_write_site(user, site_id_of(obj), self.write_action)
        return False

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._may_write(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_write(request, obj)

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            previous = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
            if self.portfolio_write_action is not None:
                check_portfolio_write(
                    request.user,
                    action=self.portfolio_write_action,
                    portfolio_id=portfolio_id_of(obj),
                )
                if previous is not None:
                    check_portfolio_write(
                        request.user,
                        action=self.portfolio_write_action,
                        portfolio_id=portfolio_id_of(previous),
                    )
            else:
                check_site_write(
                    request.user,
                    action=self.write_action,
                    site_id=site_id_of(obj),
                    previous_site_id=site_id_of(previous) if previous is not None else None,
                )
        super().save_model(request, obj, form, change)


class SuperuserWritesMixin:
    """Only superusers add, change or delete, whatever model permissions a staff user
    holds (on people, one who could change them could make themselves superuser)."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class SuperuserOnlyAdmin(SuperuserWritesMixin, admin.ModelAdmin):
    """Rows that span every portfolio (notifications): superusers only, whatever a staff
    user's model permissions say."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


class SuperuserReadOnlyAdmin(SuperuserOnlyAdmin):
    """Rows the system writes that span every portfolio (the audit log, pending
    recomputes): shown to superusers only, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
