"""The scores through the API: a portfolio's headline figures, read only and scoped by
``visible_to`` (portfolio.access)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.params import FilterError, parse_day
from portfolio.api.views import PortfolioViewSet
from scores.selectors import portfolio_figures


# The roll-up is the scores', so the scores extend the organisation's portfolio endpoint
# with it; config/api_urls.py routes /portfolios/ here.
class PortfolioWithFiguresViewSet(PortfolioViewSet):
    """The portfolios the user may see: all for executives, their own for directors."""

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
        (scores.selectors.portfolio_figures), the same numbers as the portfolio page.
        Money in the portfolio currency, ratios as fractions."""
        portfolio = self.get_object()
        try:
            as_of = parse_day(request.query_params.get("as_of"), "as_of", bounded=False)
        except FilterError as exc:
            raise ValidationError({"as_of": str(exc)}) from None
        return Response(
            {"portfolio": portfolio.code, "currency": portfolio.currency}
            | portfolio_figures(portfolio, as_of)
        )
