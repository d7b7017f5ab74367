"""Root URLconf."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz
from reliability import views as reliability_views
from scores.views import home as home_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("sites/", home_views.sites, name="sites"),
    path("accounts/", include("accounts.urls")),
    path("ingest/", include("ingest.urls")),
    path("alerts/", include("reliability.urls")),
    # Before scores' portfolios/<code>/ pages: "new" is a reserved portfolio code.
    path("portfolios/", include("portfolio.urls")),
    path("assets/<int:pk>/", reliability_views.asset, name="asset"),
    path("", include("scores.urls")),
    path("notifications/", reliability_views.notifications, name="notifications"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("config.api_urls")),
    # Signed-in users only (SPECTACULAR_SETTINGS SERVE_PERMISSIONS). The split view serves
    # its init script as a separate request, and our template has no inline style: CSP-safe.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
]

handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"
