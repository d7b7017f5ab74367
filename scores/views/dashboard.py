"""The portfolio and site dashboards: parse the filters, build the page (scores.pages), lay
out its charts (scores.charts), render. Filters live in the URL so a view can be shared."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from core import params
from portfolio.access import Action, can_write_portfolio
from portfolio.models import Portfolio, Site
from reliability import periods
from scores import charts
from scores.pages.portfolio import portfolio_page
from scores.pages.site import site_page


@require_safe
@login_required
def portfolio(request, code):
    """Exposure, maturity, capital priority and OEM risk across a portfolio's sites."""
    found = get_object_or_404(Portfolio.objects.visible_to(request.user), code=code)
    filters, errors = params.read_filters(
        request.GET,
        as_of=params.parse_as_of,
        budget=params.parse_budget,
        quarters=params.parse_quarters,
    )
    page = portfolio_page(found, **filters)
    return render(
        request,
        "scores/portfolio.html",
        {
            "page": page,
            "filters": filters,
            "errors": errors,
            "quarter_choices": params.QUARTER_CHOICES,
            "currency": found.currency,
            "window": page.window,
            "tiles": page.tiles,
            "may_edit_capital_plan": can_write_portfolio(
                request.user, found.pk, Action.CAPITAL_PLAN
            ),
            "portfolios": Portfolio.objects.visible_to(request.user).only("code", "name"),
            "charts": charts.portfolio_charts(page, found.currency),
        },
    )


@require_safe
@login_required
def site(request, code):
    """One site against the standard: gaps, penalties and their failures, Tier 1 assets,
    changeover windows, OEE by line, cost and the executive sentences."""
    found = get_object_or_404(
        Site.objects.visible_to(request.user).select_related("portfolio"), code=code
    )
    filters, errors = params.read_filters(
        request.GET, as_of=params.parse_as_of, quarters=params.parse_quarters
    )
    # Work-order totals: the trailing 12 months to the as-of day (else today), or from/to.
    period, period_problems = periods.read_period(
        request.GET, filters["as_of"] or timezone.now().date()
    )
    page = site_page(found, **filters, period=period, period_problems=period_problems)
    return render(
        request,
        "scores/site.html",
        {
            "page": page,
            "filters": filters,
            "errors": errors,
            "quarter_choices": params.QUARTER_CHOICES,
            "currency": found.portfolio.currency,
            "sees_portfolio": Portfolio.objects.visible_to(request.user)
            .filter(pk=found.portfolio_id)
            .exists(),
            "charts": charts.site_charts(page, found.portfolio.currency),
        },
    )
