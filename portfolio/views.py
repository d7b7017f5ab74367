"""The organisation's pages: the portfolios you see, and the form that creates one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from portfolio.access import can_create_portfolio
from portfolio.forms import PortfolioForm
from portfolio.models import Portfolio
from portfolio.services import portfolio_create


@require_safe
@login_required
def portfolios(request):
    """The portfolios you see as a whole, and the way to a new one if you may create it."""
    return render(
        request,
        "portfolio/portfolios.html",
        {
            "portfolios": Portfolio.objects.visible_to(request.user).order_by("name"),
            "may_create": can_create_portfolio(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def portfolio_new(request):
    """A new portfolio (executives and the operator); its standard and escalation rules
    come with it. Others get 403."""
    if not can_create_portfolio(request.user):
        raise PermissionDenied("Only executives and the operator may create portfolios.")
    form = PortfolioForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = portfolio_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"Portfolio {created.name} created. Load its sites next.")
            return redirect("scores:portfolio", code=created.code)
    return render(request, "portfolio/portfolio_form.html", {"form": form})
