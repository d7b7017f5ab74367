"""Portfolio pages. Integrator-only accounts are refused by accounts.middleware."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from portfolio.models import Notification, Portfolio
from portfolio.selectors import site_overview


@require_safe
@login_required
def home(request):
    """The landing page: the portfolio page for those who see a portfolio as a whole
    (directors, executives), the site page for someone at one site, else the site list."""
    first = Portfolio.objects.visible_to(request.user).order_by("name").first()
    if first is not None:
        return redirect("portfolio:portfolio", code=first.code)
    sites = list(site_overview(request.user)[:2])
    if len(sites) == 1:
        return redirect("portfolio:site", code=sites[0].code)
    return redirect("sites")


@require_safe
@login_required
def sites(request):
    """The portfolios and sites the user may see, with their asset counts."""
    return render(request, "portfolio/home.html", {"sites": site_overview(request.user)})


@require_http_methods(["GET", "POST"])
@login_required
def notifications(request):
    """Your notifications, newest first; POST marks them all read."""
    mine = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        mine.filter(read_at=None).update(read_at=timezone.now())
        return redirect("notifications")
    page = Paginator(mine, 50).get_page(request.GET.get("page"))
    return render(request, "portfolio/notifications.html", {"page": page})
