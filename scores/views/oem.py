"""OEM pages: one relationship (scorecard trend, SDP probability, penalties), one customer
across the sites you see, and the index of the customers you see. ``scores.pages.oem``
builds them from the sites' latest score snapshots and ``oem.selectors``; ``oem.charts``
lays them out."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from oem import charts
from oem.selectors import visible_relationships
from scores.pages.oem import customer_index, customer_page, relationship_page


@require_safe
@login_required
def relationship(request, pk):
    """One OEM relationship: header, scorecard history with trend and projection band, the
    probability of SDP review and revenue at risk (from the site's latest snapshot), and
    its penalties per quarter and one by one."""
    found = get_object_or_404(visible_relationships(request.user), pk=pk)
    page = relationship_page(
        found, today=timezone.localdate(), penalty_page=request.GET.get("page")
    )
    chart_data = {
        "scorecards": charts.scorecard_history(
            page.scores,
            page.risk["projection"],
            page.risk["band"],
            float(found.sdp_threshold_score),
            as_of=page.risk["as_of"],
        ),
        "penalties": charts.penalty_quarters(
            page.penalty_quarters,
            page.currency,
            as_of=page.today,
            recorded=page.penalty_count,
        ),
    }
    return render(request, "scores/relationship.html", {**vars(page), "charts": chart_data})


@require_safe
@login_required
def customers(request):
    """The OEM customers with a relationship at a site you see, each with its relationships
    and revenue at risk; an empty list says why and where to load them."""
    return render(request, "scores/customers.html", vars(customer_index(request.user)))


@require_safe
@login_required
def customer(request, code):
    """One OEM customer across the sites you see: its relationships with their scores and
    SDP probability, penalties per quarter by site, and the total revenue at risk."""
    page = customer_page(request.user, code, today=timezone.localdate())
    if page is None:
        raise Http404("No such customer at your sites.")
    penalty_charts = [
        charts.penalties_by_site(
            by_site,
            currency,
            as_of=page.today,
            figure_id=f"penalties-by-site-{currency.lower()}",
        )
        for currency, by_site in page.penalties_by_currency
    ]
    return render(request, "scores/customer.html", {**vars(page), "penalty_charts": penalty_charts})
