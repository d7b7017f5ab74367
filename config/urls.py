"""Root URLconf."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from config.health import healthz

urlpatterns = [
    # The portfolio pages arrive with the dashboards issue; until then the admin is home.
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
