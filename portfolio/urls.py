from django.urls import path

from portfolio import views

app_name = "portfolio"

urlpatterns = [
    path("", views.portfolios, name="portfolios"),
    path("new/", views.portfolio_new, name="portfolio-new"),
]
