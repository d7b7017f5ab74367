"""Filters over asset lists, shared by the API and the pages.

They only narrow a queryset that is already ``visible_to`` the user: codes, not model
choices, so no filter lists or reveals a foreign row.
"""

import django_filters

from reliability.models import Asset


class AssetFilter(django_filters.FilterSet):
    site = django_filters.CharFilter(field_name="site__code", label="Site code")
    line = django_filters.CharFilter(
        field_name="line__code", label="Line code (unique within a site; combine with site)"
    )

    class Meta:
        model = Asset
        fields = ["site", "line", "tier", "asset_class"]
