"""The portfolio and site dashboards: read a page's figures (portfolio.dashboard), lay out
its charts (portfolio.charts), render. Filters live in the URL so a view can be shared."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from portfolio import charts, dashboard
from portfolio.access import Action, can_write_portfolio
from portfolio.models import Portfolio, Site


def read_filters(request, **parsers) -> tuple[dict, list[str]]:
    """Each ``name=parser`` read from the query string; a bad value is reported and left at
    its default (the parser's answer for no value)."""
    values, errors = {}, []
    for name, parser in parsers.items():
        try:
            values[name] = parser(request.GET.get(name))
        except dashboard.FilterError as exc:
            errors.append(str(exc))
            values[name] = parser(None)
    return values, errors


@require_safe
@login_required
def portfolio(request, code):
    """Exposure, maturity, capital priority and OEM risk across a portfolio's sites."""
    found = get_object_or_404(Portfolio.objects.visible_to(request.user), code=code)
    filters, errors = read_filters(
        request,
        as_of=dashboard.parse_as_of,
        budget=dashboard.parse_budget,
        quarters=dashboard.parse_quarters,
    )
    page = dashboard.portfolio_page(found, **filters)
    window = dashboard.window_label(page.figures)
    currency = found.currency
    return render(
        request,
        "portfolio/portfolio.html",
        {
            "page": page,
            "filters": filters,
            "errors": errors,
            "quarter_choices": dashboard.QUARTER_CHOICES,
            "currency": currency,
            "window": window,
            "tiles": dashboard.headline_tiles(page),
            "may_edit_capital_plan": can_write_portfolio(
                request.user, found.pk, Action.CAPITAL_PLAN
            ),
            "portfolios": Portfolio.objects.visible_to(request.user).only("code", "name"),
            "charts": {
                "exposure": charts.exposure_by_site(
                    page.sites, currency, f"trailing 12 months, {window}" if window else None
                ),
                "history": charts.history_chart(
                    page.history,
                    currency,
                    "portfolio-history",
                    "Exposure and maturity",
                    "portfolio.scoring.portfolio.aggregate of each site's snapshot at each day",
                ),
            },
        },
    )


@require_safe
@login_required
def site(request, code):
    """One site against the standard: gaps, penalties and their failures, Tier 1 assets,
    changeover windows, OEE by line, cost and the executive sentences."""
    found = get_object_or_404(
        Site.objects.visible_to(request.user).select_related("portfolio__standard"), code=code
    )
    filters, errors = read_filters(
        request, as_of=dashboard.parse_as_of, quarters=dashboard.parse_quarters
    )
    page = dashboard.site_page(found, **filters)
    return render(
        request,
        "portfolio/site.html",
        {
            "page": page,
            "filters": filters,
            "errors": errors,
            "quarter_choices": dashboard.QUARTER_CHOICES,
            "currency": found.portfolio.currency,
            "sees_portfolio": Portfolio.objects.visible_to(request.user)
            .filter(pk=found.portfolio_id)
            .exists(),
            "charts": charts.site_charts(page, found.portfolio.currency),
        },
    )
