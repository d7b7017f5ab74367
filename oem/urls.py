"""OEM relationship and customer pages."""

from django.urls import path

from oem import views

app_name = "oem"

urlpatterns = [
    path("relationships/<int:pk>/", views.relationship, name="relationship"),
    path("customers/<slug:code>/", views.customer, name="customer"),
]
