from django.urls import path

from ingest import views

app_name = "ingest"

urlpatterns = [
    path("", views.batches, name="batches"),
    path("<int:pk>/", views.batch, name="batch"),
    path("<int:pk>/rejected.csv", views.rejected_csv, name="rejected-csv"),
    path("templates/<slug:kind>.csv", views.kind_template, name="kind-template"),
    path("mappings/", views.mappings_list, name="mappings"),
    path("mappings/new/", views.mapping_new, name="mapping-new"),
    path("mappings/<int:pk>/", views.mapping_edit, name="mapping-edit"),
]
