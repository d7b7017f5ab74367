"""The dashboard pages: portfolio, site, translation table and the reliability standard."""

from django.urls import path

from portfolio.views import capital, dashboard, standard, translation

app_name = "portfolio"

urlpatterns = [
    path("portfolios/<slug:code>/", dashboard.portfolio, name="portfolio"),
    path("portfolios/<slug:code>/translation/", translation.translation, name="translation"),
    path("portfolios/<slug:code>/standard/", standard.standard, name="standard"),
    path("portfolios/<slug:code>/capital-plan/", capital.capital_plan, name="capital-plan"),
    path("sites/<slug:code>/", dashboard.site, name="site"),
]
