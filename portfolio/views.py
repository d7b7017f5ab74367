"""Portfolio pages. Integrator-only accounts are refused by accounts.middleware."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from portfolio.selectors import site_overview


@require_safe
@login_required
def home(request):
    """The portfolios and sites the user may see."""
    return render(request, "portfolio/home.html", {"sites": site_overview(request.user)})
