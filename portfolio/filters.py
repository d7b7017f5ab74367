"""Filters over site lists, shared by the API and the pages.

They only narrow a queryset that is already ``visible_to`` the user: codes, not model
choices, so no filter lists or reveals a foreign row.
"""

import django_filters

from portfolio.models import Site


class SiteFilter(django_filters.FilterSet):
    portfolio = django_filters.CharFilter(field_name="portfolio__code", label="Portfolio code")

    class Meta:
        model = Site
        fields = ["portfolio"]
