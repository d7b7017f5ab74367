from django.urls import path

from ingest import views

app_name = "ingest"

urlpatterns = [
    path("", views.batches, name="batches"),
    path("<int:pk>/", views.batch, name="batch"),
    path("<int:pk>/rejected.csv", views.rejected_csv, name="rejected-csv"),
]
