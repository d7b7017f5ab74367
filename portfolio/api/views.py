"""Portfolios (read, and created by executives and the operator) and sites (read only),
scoped by ``visible_to`` (portfolio.access)."""

from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from portfolio.access import can_create_portfolio
from portfolio.api.serializers import (
    PortfolioCreateSerializer,
    PortfolioSerializer,
    SiteSerializer,
)
from portfolio.filters import SiteFilter
from portfolio.models import Portfolio, Site
from portfolio.services import portfolio_create


class PortfolioViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The portfolios the user may see: all for executives, their own for directors.
    POST creates one (executives and the operator; others 403), with its default standard
    and escalation rules."""

    serializer_class = PortfolioSerializer

    def get_queryset(self):
        return Portfolio.objects.visible_to(self.request.user)

    @extend_schema(request=PortfolioCreateSerializer, responses={201: PortfolioSerializer})
    def create(self, request, *args, **kwargs):
        # Who may create is checked before the body is read: a refused caller learns nothing.
        if not can_create_portfolio(request.user):
            raise DRFPermissionDenied("Only executives and the operator may create portfolios.")
        form = PortfolioCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            created = portfolio_create(user=request.user, **form.validated_data)
        except PermissionDenied as exc:
            raise DRFPermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            raise DRFValidationError(exc.message_dict) from exc
        return Response(PortfolioSerializer(created).data, status=status.HTTP_201_CREATED)


class SiteViewSet(viewsets.ReadOnlyModelViewSet):
    """The sites the user may see; filter by ``portfolio`` code."""

    serializer_class = SiteSerializer
    filterset_class = SiteFilter

    def get_queryset(self):
        return Site.objects.visible_to(self.request.user).select_related("portfolio")
