"""Filters over asset lists, shared by the API and the pages.

They only narrow a queryset that is already ``visible_to`` the user: codes, not model
choices, so no filter lists or reveals a foreign row.
"""

import django_filters
from django import forms

from reliability.models import Alert, AlertStatus, Asset, WorkOrder


class AssetFilter(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="site__code", label="Site code")
    line = django_filters.CharFilter(
        field_name="line__code", label="Line code (unique within a site; combine with site)"
    )

    class Meta:
        model = Asset
        fields = ["site", "line", "tier", "asset_class"]


class OpenOrClosedSelect(forms.NullBooleanSelect):
    """Open, closed or all alerts, in words; reads true/false as NullBooleanSelect does."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [
            ("true", "Open alerts"),
            ("false", "Closed alerts"),
            ("unknown", "All alerts"),
        ]


class AlertFilter(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="asset__site__code", label="Site code")
    asset = django_filters.CharFilter(field_name="asset__code", label="Asset code")
    tier = django_filters.NumberFilter(field_name="asset__tier")
    # The page shows the words; the API reads open=true / open=false (help_text is the
    # parameter's description in the API schema).
    open = django_filters.BooleanFilter(
        method="filter_open",
        label="Show",
        widget=OpenOrClosedSelect,
        help_text="true: only alerts not closed; false: only closed alerts.",
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
