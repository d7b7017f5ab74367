"""The versioned API (``/api/v1/``): read-only structure, scoped to the caller."""

from rest_framework.routers import DefaultRouter

from portfolio.api.views import PortfolioViewSet, SiteViewSet
from reliability.api.views import AssetViewSet

app_name = "api"

router = DefaultRouter()
router.register("portfolios", PortfolioViewSet, basename="portfolio")
router.register("sites", SiteViewSet, basename="site")
router.register("assets", AssetViewSet, basename="asset")

urlpatterns = router.urls
