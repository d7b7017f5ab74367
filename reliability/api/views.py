"""Assets (read only), alerts, and work orders with their totals, scoped by ``visible_to``
(portfolio.access)."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.params import parse_instant
from portfolio.access import Action, can_write_site
from reliability import periods, selectors, services
from reliability.api.serializers import (
    AlertSerializer,
    AssetSerializer,
    CloseAlertSerializer,
    LinkWorkOrderSerializer,
    WorkOrderSerializer,
    WorkOrderTotalsSerializer,
)
from reliability.filters import AlertFilter, AssetFilter, WorkOrderFilter
from reliability.models import Alert, Asset, Sensor, WorkOrder
from reliability.selectors import reading_series


class Conflict(APIException):
    """409: the request is valid but the object's state does not allow it."""

    status_code = 409
    default_detail = "The object's state does not allow this."
    default_code = "conflict"


class AssetViewSet(viewsets.ReadOnlyModelViewSet):
    """The assets at the sites the user may see; filter by site, line, tier, asset_class."""

    serializer_class = AssetSerializer
    filterset_class = AssetFilter

    def get_queryset(self):
        return Asset.objects.visible_to(self.request.user).select_related("site", "line")


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Condition alerts at the sites you may see; technicians and site managers act on them:
    acknowledge, link the work order, close as a confirmed fault or a false alarm."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilter

    def get_queryset(self):
        return Alert.objects.visible_to(self.request.user).select_related(
            "asset__site", "acknowledged_by", "work_order"
        )

    def _alert_to_act_on(self) -> Alert:
        """The alert, if you may see it (404) and act on it (403), before the body is read."""
        alert = self.get_object()
        if not can_write_site(self.request.user, alert.asset.site_id, Action.ALERT):
            raise DRFPermissionDenied(f"You may not {Action.ALERT} at this site.")
        return alert

    def _act(self, alert, do):
        try:
            alert = do(alert)
        except PermissionDenied as exc:
            raise DRFPermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            if set(exc.message_dict) == {"status"}:  # closed, already acknowledged
                raise Conflict(exc.message_dict) from exc
            raise DRFValidationError(exc.message_dict) from exc
        alert = self.get_queryset().get(pk=alert.pk)
        return Response(AlertSerializer(alert).data)

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Acknowledge: the response time is measured from detection to now."""
        alert = self._alert_to_act_on()
        return self._act(alert, lambda a: services.alert_acknowledge(alert=a, user=request.user))

    @extend_schema(request=LinkWorkOrderSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"], url_path="link-work-order", url_name="link-work-order")
    def link_work_order(self, request, pk=None):
        """Link the work order that answers the alert (by its number at the site)."""
        alert = self._alert_to_act_on()
        form = LinkWorkOrderSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        order = WorkOrder.objects.filter(
            site_id=alert.asset.site_id, external_id=form.validated_data["work_order"]
        ).first()
        if order is None:
            raise DRFValidationError({"work_order": ["No work order with this number here."]})
        return self._act(
            alert,
            lambda a: services.alert_link_work_order(alert=a, work_order=order, user=request.user),
        )

    @extend_schema(request=CloseAlertSerializer, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close as a confirmed fault or a false alarm (the confirmation rate counts these)."""
        alert = self._alert_to_act_on()
        form = CloseAlertSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        resolution = form.validated_data["resolution"]
        return self._act(
            alert, lambda a: services.alert_close(alert=a, user=request.user, resolution=resolution)
        )


class SensorSeriesView(APIView):
    """GET ?start=ISO&end=ISO&points=N: a sensor's readings for a chart, at most N points
    (raw readings up to 3 days, hourly roll-ups up to 90, daily beyond)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, description="Default: end - 7 days."),
            OpenApiParameter("end", OpenApiTypes.DATETIME, description="Default: now."),
            OpenApiParameter(
                "points",
                {"type": "integer", "minimum": 10, "maximum": 5000},
                description="At most this many points (default 500).",
            ),
        ],
        responses={200: {"type": "object", "additionalProperties": {}}},
    )
    def get(self, request, pk):
        try:
            end = parse_instant(request.query_params.get("end")) or timezone.now()
            start = parse_instant(request.query_params.get("start")) or end - dt.timedelta(days=7)
            points = int(request.query_params.get("points", 500))
        except ValueError as exc:
            raise DRFValidationError({"detail": str(exc)}) from exc
        if not 10 <= points <= 5000:
            raise DRFValidationError({"points": ["between 10 and 5000"]})
        if end <= start:
            raise DRFValidationError({"end": ["must be after start"]})
        try:
            return Response(reading_series(request.user, pk, start, end, points))
        except Sensor.DoesNotExist as exc:
            raise NotFound() from exc


class WorkOrderViewSet(viewsets.ReadOnlyModelViewSet):
    """Work orders at the sites you may see, completed in a period: ``from`` and ``to``
    (YYYY-MM-DD, whole UTC days, both included; default the trailing 12 months to today),
    filtered by ``site``, ``asset`` (codes) and ``kind``; newest completion first, paginated.
    ``totals`` sums the whole filtered set, not the page: count, net_parts, net_labour,
    net_total (credits are negative amounts and net), credits (orders whose net cost is
    negative) and currency, the same figures as the site and asset pages for the same period.
    Money is never added across currencies: ``by_currency`` gives the totals per currency,
    and when the set spans several, the top-level money and currency are null."""

    serializer_class = WorkOrderSerializer
    filterset_class = WorkOrderFilter

    def get_queryset(self):
        orders = WorkOrder.objects.visible_to(self.request.user).select_related("site", "asset")
        return selectors.with_net_cost(orders)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First UTC day (included)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last UTC day (included)."),
        ],
    )
    def list(self, request, *args, **kwargs):
        try:
            period = periods.parse_period(request.query_params, timezone.now().date())
        except periods.PeriodError as exc:
            raise DRFValidationError({exc.param: [str(exc)]}) from None
        orders = selectors.work_orders_completed_between(
            self.filter_queryset(WorkOrder.objects.visible_to(request.user)),
            period.start,
            period.end,
        ).select_related("site", "asset")
        page = self.paginate_queryset(orders)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data["period"] = {"from": period.first, "to": period.last, "basis": "completed_at"}
        response.data["totals"] = WorkOrderTotalsSerializer(
            selectors.work_order_totals(orders)
        ).data
        return response
