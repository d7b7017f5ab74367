"""Filters over asset lists, shared by the API and the pages.

They only narrow a queryset that is already ``visible_to`` the user: codes, not model
choices, so no filter lists or reveals a foreign row.
"""

import django_filters

from reliability.models import Alert, AlertStatus, Asset, WorkOrder


class AssetFilter(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="site__code", label="Site code")
    line = django_filters.CharFilter(
        field_name="line__code", label="Line code (unique within a site; combine with site)"
    )

    class Meta:
        model = Asset
        fields = ["site", "line", "tier", "asset_class"]


class AlertFilter(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="asset__site__code", label="Site code")
    asset = django_filters.CharFilter(field_name="asset__code", label="Asset code")
    tier = django_filters.NumberFilter(field_name="asset__tier")
    open = django_filters.BooleanFilter(
        method="filter_open", label="Only alerts not closed (true) or only closed (false)"
    )

    class Meta:
        model = Alert
        fields = ["site", "asset", "tier", "metric", "status", "open"]

    def filter_open(self, queryset, name, value):
        closed = queryset.filter(status=AlertStatus.CLOSED)
        return queryset.exclude(pk__in=closed.values("pk")) if value else closed


class WorkOrderFilter(django_filters.FilterSet):
    """The period (``from``/``to``) is not a filter here: reliability.periods reads it, so
    the pages and the API share its default and its errors."""

    site = django_filters.CharFilter(field_name="site__code", label="Site code")
    asset = django_filters.CharFilter(
        field_name="asset__code", label="Asset code (unique within a site; combine with site)"
    )

    class Meta:
        model = WorkOrder
        fields = ["site", "asset", "kind"]
