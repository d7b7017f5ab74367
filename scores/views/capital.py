"""The capital plan: each site's proposed monitoring investment, edited by the portfolio's
directors (and executives); the portfolio page ranks the sites by what it avoids."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from portfolio.access import Action, can_write_portfolio
from portfolio.models import Portfolio
from scores.forms import CapitalProposalForm
from scores.models import CapitalProposal
from scores.services import capital_plan_update


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def capital_plan(request, code):
    found = get_object_or_404(Portfolio.objects.visible_to(request.user), code=code)
    if not can_write_portfolio(request.user, found.pk, Action.CAPITAL_PLAN):
        raise PermissionDenied("You may not edit the capital plan of this portfolio.")
    sites = list(found.sites.order_by("name"))
    current = {p.site_id: p for p in CapitalProposal.objects.filter(site__in=sites)}
    data = request.POST if request.method == "POST" else None
    rows = [
        {
            "site": site,
            "form": CapitalProposalForm(
                data,
                prefix=f"site-{site.pk}",
                initial={
                    "amount": getattr(current.get(site.pk), "amount", None),
                    "description": getattr(current.get(site.pk), "description", ""),
                },
            ),
        }
        for site in sites
    ]
    if data is not None and all(row["form"].is_valid() for row in rows):
        changed = capital_plan_update(
            portfolio=found,
            lines={
                row["site"].pk: (
                    row["form"].cleaned_data["amount"],
                    row["form"].cleaned_data["description"],
                )
                for row in rows
            },
            user=request.user,
        )
        messages.success(request, f"Capital plan saved ({changed} site(s) changed).")
        return redirect("scores:portfolio", code=found.code)
    return render(request, "scores/capital_plan.html", {"portfolio": found, "rows": rows})
