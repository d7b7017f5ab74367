"""Portfolios and sites, read only, scoped by ``visible_to`` (portfolio.access)."""

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from portfolio.api.filters import SiteFilter
from portfolio.api.serializers import PortfolioSerializer, SiteSerializer
from portfolio.models import Portfolio, Site


class PortfolioViewSet(viewsets.ReadOnlyModelViewSet):
    """The portfolios the user may see: all for executives, their own for directors."""

    serializer_class = PortfolioSerializer

    def get_queryset(self):
        return Portfolio.objects.visible_to(self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "as_of", OpenApiTypes.DATE, description="Latest snapshots on or before this day."
            )
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True)
    def figures(self, request, pk=None):
        """The portfolio's headline figures: the roll-up of each site's latest snapshot
        (portfolio.selectors.portfolio_figures), the same numbers as the portfolio page.
        Money in the portfolio currency, ratios as fractions."""
        from portfolio.selectors import portfolio_figures

        raw = request.query_params.get("as_of")
        try:
            as_of = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            raise ValidationError({"as_of": f"{raw!r} is not a date (YYYY-MM-DD)."}) from None
        portfolio = self.get_object()
        return Response(
            {"portfolio": portfolio.code, "currency": portfolio.currency}
            | portfolio_figures(portfolio, as_of)
        )


class SiteViewSet(viewsets.ReadOnlyModelViewSet):
    """The sites the user may see; filter by ``portfolio`` code."""

    serializer_class = SiteSerializer
    filterset_class = SiteFilter

    def get_queryset(self):
        return Site.objects.visible_to(self.request.user).select_related("portfolio")
