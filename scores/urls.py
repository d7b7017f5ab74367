"""The pages that combine the domains with the scores: portfolio, site, translation table,
reliability standard, capital plan, and the OEM relationship and customer."""

from django.urls import path

from scores.views import capital, dashboard, oem, standard, translation

app_name = "scores"

urlpatterns = [
    path("portfolios/<slug:code>/", dashboard.portfolio, name="portfolio"),
    path("portfolios/<slug:code>/translation/", translation.translation, name="translation"),
    path("portfolios/<slug:code>/standard/", standard.standard, name="standard"),
    path("portfolios/<slug:code>/capital-plan/", capital.capital_plan, name="capital-plan"),
    path("sites/<slug:code>/", dashboard.site, name="site"),
    path("oem/relationships/<int:pk>/", oem.relationship, name="relationship"),
    path("oem/customers/", oem.customers, name="customers"),
    path("oem/customers/<slug:code>/", oem.customer, name="customer"),
]
