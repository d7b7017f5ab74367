"""Portfolio pages. Integrator-only accounts are refused by accounts.middleware."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from portfolio.models import Portfolio
from scores.selectors import site_overview


@require_safe
@login_required
def home(request):
    """The landing page: the portfolio page for those who see a portfolio as a whole
    (directors, executives), the site page for someone at one site, else the site list."""
    first = Portfolio.objects.visible_to(request.user).order_by("name").first()
    if first is not None:
        return redirect("scores:portfolio", code=first.code)
    sites = list(site_overview(request.user)[:2])
    if len(sites) == 1:
        return redirect("scores:site", code=sites[0].code)
    return redirect("sites")


@require_safe
@login_required
def sites(request):
    """The portfolios and sites the user may see, with their asset counts."""
    return render(request, "scores/home.html", {"sites": site_overview(request.user)})
