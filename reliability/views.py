"""Alert pages: the list of alerts at your sites and one alert with its protocol actions;
the asset page: one asset's readings, alerts, work and reliability figures."""

import datetime as dt
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.dates import EARLIEST_DAY, LATEST_DAY
from portfolio.access import Action, can_write_site
from reliability import charts, condition, pages, periods, selectors, services
from reliability.filters import AlertFilter
from reliability.models import (
    Alert,
    AlertResolution,
    AlertStatus,
    Metric,
    Notification,
    WorkOrderKind,
)

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
            services.alert_acknowledge(alert=found, user=request.user)
        elif verb == "close":
            services.alert_close(
                alert=found, user=request.user, resolution=request.POST.get("resolution", "")
            )
        elif verb == "link-work-order":
            number = request.POST.get("work_order", "").strip()
            order = selectors.site_work_order(found.asset.site_id, number)
            if order is None:
                raise ValidationError({"work_order": f"No work order {number!r} at this site."})
            services.alert_link_work_order(alert=found, work_order=order, user=request.user)
        else:
            return redirect("reliability:alert", pk=pk)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, "Saved.")
    return redirect("reliability:alert", pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
def notifications(request):
    """Your notifications, newest first; POST marks them all read."""
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("notifications")
    mine = Notification.objects.filter(user=request.user)
    page = Paginator(mine, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reliability/notifications.html", {"page": page})


@require_safe
@login_required
def patterns(request):
    """Recurring failures whose alerts start at the same week of the PM cycle, with the
    shorter interval they argue for and the cycles that show it."""
    return render(
        request,
        "reliability/patterns.html",
        {"patterns": selectors.recurring_failure_recommendations(request.user)},
    )


# --- The asset page ---------------------------------------------------------------------

DEFAULT_WINDOW = "30d"
MAX_WINDOW_DAYS = 365  # beyond a year the daily roll-ups thin out to a blur
WINDOW_PATTERN = re.compile(r"^(\d{1,3})d$")


def asset_window(params, default_end: dt.date) -> tuple[int, dt.date, list[str]]:
    """The chart window of the query string: (days, end day, problems).

    ``window`` is "<N>d", 1 ≤ N ≤ 365 (the form offers 7d, 30d, 90d, 365d; default 30d);
    ``end`` an ISO date (default ``default_end``). The window is the N UTC days ending with
    the end day, [end + 1 day − N days, end + 1 day). A bad value is named in ``problems``
    and replaced by its default, so a mistyped link still shows a page.
    """
    problems = []
    raw_window = (params.get("window") or DEFAULT_WINDOW).strip()
    match = WINDOW_PATTERN.match(raw_window)
    days = int(match.group(1)) if match else 0
    if not 1 <= days <= MAX_WINDOW_DAYS:
        problems.append(
            f"Window {raw_window!r} is not a number of days from 1d to {MAX_WINDOW_DAYS}d "
            f"(e.g. 7d, 30d, 90d, 365d): showing {DEFAULT_WINDOW}."
        )
        days = pages.WINDOWS[DEFAULT_WINDOW]
    raw_end = (params.get("end") or "").strip()
    end = default_end
    if raw_end:
        try:
            end = dt.date.fromisoformat(raw_end)
        except ValueError:
            end = None
        if end is None or not EARLIEST_DAY <= end <= LATEST_DAY:
            problems.append(
                f"End {raw_end!r} is not a date like 2026-10-31 between {EARLIEST_DAY.year} "
                f"and {LATEST_DAY.year}: showing {default_end}."
            )
            end = default_end
    return days, end, problems


@require_safe
@login_required
def asset(request, pk):
    """One asset: its readings over a window of up to a year (downsampled, with zones,
    thresholds and alert markers), alerts, work orders, failure events, MTBF/MTTR and their
    trend, and the recurring-failure recommendation if any."""
    found = get_object_or_404(selectors.visible_assets(request.user), pk=pk)
    sensors = selectors.asset_sensors(found.pk)
    latest = max((s["last_day"] for s in sensors if s["last_day"]), default=None)
    if latest and not EARLIEST_DAY <= latest <= LATEST_DAY:
        latest = None  # an impossible stored date (docs/security.md): today's window instead
    days, end_day, problems = asset_window(request.GET, latest or timezone.now().date())
    # Reliability as of the end day asked for, else today: not the last reading's day,
    # which would drop the failures of an asset whose sensors went quiet.
    figures_day = end_day if request.GET.get("end") else timezone.now().date()
    # Work-order totals: the trailing 12 months to the same day unless from/to say otherwise.
    period, period_problems = periods.read_period(request.GET, figures_day)
    page = pages.asset_page(
        request.user,
        found,
        sensors=sensors,
        days=days,
        end_day=end_day,
        figures_day=figures_day,
        problems=problems,
        period=period,
        period_problems=period_problems,
    )
    trend = page.reliability["trend"]
    trend["chart"] = charts.mtbf_trend_chart(
        "mtbf-trend",
        trend=trend,
        failures=trend["failures_per_quarter"],
        window_label=trend["window"],
    )
    readings = [
        charts.readings_chart(
            f"readings-{series.sensor['id']}",
            sensor={**series.sensor, "label": Metric(series.sensor["metric"]).label},
            series=series.points,
            window_label=page.window_label + (f" · {series.note}" if series.note else ""),
            zones=series.zones,
            thresholds=series.thresholds,
            alerts=series.alerts,
            empty=(
                f"No readings from {series.sensor['code']} in the {page.window_label}. Load "
                f"readings at Data in ({reverse('ingest:batches')}), or pick an earlier end day."
            ),
        )
        for series in page.series
    ]
    return render(
        request,
        "reliability/asset.html",
        {
            **vars(page),
            "readings": readings,
            "alerts_link": reverse("reliability:alerts")
            + "?"
            + urlencode({"site": found.site.code, "asset": found.code, "open": ""}),
            "metrics": dict(Metric.choices),
            "statuses": dict(AlertStatus.choices),
            "kinds": dict(WorkOrderKind.choices),
            "severities": condition.SEVERITY_BY_ZONE,
        },
    )
