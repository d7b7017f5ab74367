"""The versioned API (``/api/v1/``): structure (read only) and ingest, scoped to the caller."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from ingest.api.views import (
    BulkReadingsView,
    BulkWorkOrdersView,
    IngestBatchViewSet,
    MappingViewSet,
    PreviewView,
)
from portfolio.api.views import SiteViewSet
from reliability.api.views import AlertViewSet, AssetViewSet, SensorSeriesView, WorkOrderViewSet
from scores.api.views import PortfolioWithFiguresViewSet

app_name = "api"

router = DefaultRouter()
router.register("portfolios", PortfolioWithFiguresViewSet, basename="portfolio")
router.register("sites", SiteViewSet, basename="site")
router.register("assets", AssetViewSet, basename="asset")
router.register("alerts", AlertViewSet, basename="alert")
router.register("work-orders", WorkOrderViewSet, basename="work-order")
router.register("ingest/batches", IngestBatchViewSet, basename="ingest-batch")
router.register("ingest/mappings", MappingViewSet, basename="ingest-mapping")

urlpatterns = [
    path("ingest/readings/", BulkReadingsView.as_view(), name="ingest-readings"),
    path("ingest/work-orders/", BulkWorkOrdersView.as_view(), name="ingest-work-orders"),
    path("ingest/preview/", PreviewView.as_view(), name="ingest-preview"),
    path("sensors/<int:pk>/series/", SensorSeriesView.as_view(), name="sensor-series"),
    *router.urls,
]
