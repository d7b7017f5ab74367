from django.urls import path

from reliability import views

app_name = "reliability"

urlpatterns = [
    path("", views.alerts, name="alerts"),
    path("patterns/", views.patterns, name="patterns"),
    path("<int:pk>/", views.alert, name="alert"),
    path(
        "<int:pk>/<slug:verb>/",
        views.alert_action,
        name="alert-action",
    ),
]
