"""Alert pages: the list of alerts at your sites and one alert with its protocol actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from portfolio.access import Action, can_write_site
from reliability import services
from reliability.api.filters import AlertFilter
from reliability.models import Alert, AlertResolution, WorkOrder

PAGE_SIZE = 50


def _alerts(user):
    return Alert.objects.visible_to(user).select_related(
        "asset__site", "acknowledged_by", "work_order"
    )


@require_safe
@login_required
def alerts(request):
    """Alerts at your sites, open first (filter by site, asset, tier, metric, status)."""
    data = request.GET.copy()
    data.setdefault("open", "true")
    found = AlertFilter(data, queryset=_alerts(request.user))
    ordered = found.qs.order_by("closed_at", "-detected_at")
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reliability/alerts.html", {"filter": found, "page": page})


@require_safe
@login_required
def alert(request, pk):
    found = get_object_or_404(_alerts(request.user), pk=pk)
    return render(
        request,
        "reliability/alert.html",
        {
            "alert": found,
            "may_act": can_write_site(request.user, found.asset.site_id, Action.ALERT),
            "resolutions": AlertResolution.choices,
            "escalations": found.escalations.select_related("rule"),
        },
    )


@require_POST
@login_required
def alert_action(request, pk, verb):
    found = get_object_or_404(_alerts(request.user), pk=pk)
    try:
        if verb == "acknowledge":
            services.acknowledge_alert(found, request.user)
        elif verb == "close":
            services.close_alert(found, request.user, request.POST.get("resolution", ""))
        elif verb == "link-work-order":
            number = request.POST.get("work_order", "").strip()
            order = WorkOrder.objects.filter(
                site_id=found.asset.site_id, external_id=number
            ).first()
            if order is None:
                raise ValidationError({"work_order": f"No work order {number!r} at this site."})
            services.link_work_order(found, order, request.user)
        else:
            return redirect("reliability:alert", pk=pk)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, "Saved.")
    return redirect("reliability:alert", pk=pk)


@require_safe
@login_required
def patterns(request):
    """Recurring failures whose alerts start at the same week of the PM cycle, with the
    shorter interval they argue for and the cycles that show it."""
    from reliability.selectors import recurring_failure_recommendations

    return render(
        request,
        "reliability/patterns.html",
        {"patterns": recurring_failure_recommendations(request.user)},
    )
