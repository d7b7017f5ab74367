"""Portfolios and sites, read only, scoped by ``visible_to`` (portfolio.access)."""

from rest_framework import viewsets

from portfolio.api.serializers import PortfolioSerializer, SiteSerializer
from portfolio.filters import SiteFilter
from portfolio.models import Portfolio, Site


class PortfolioViewSet(viewsets.ReadOnlyModelViewSet):
    """The portfolios the user may see: all for executives, their own for directors."""

    serializer_class = PortfolioSerializer

    def get_queryset(self):
        return Portfolio.objects.visible_to(self.request.user)


class SiteViewSet(viewsets.ReadOnlyModelViewSet):
    """The sites the user may see; filter by ``portfolio`` code."""

    serializer_class = SiteSerializer
    filterset_class = SiteFilter

    def get_queryset(self):
        return Site.objects.visible_to(self.request.user).select_related("portfolio")
