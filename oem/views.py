"""OEM pages: one relationship (scorecard trend, SDP probability, penalties) and one customer
across the sites you see. The figures come from the sites' latest score snapshots and from
``oem.metrics`` through ``oem.selectors``; ``oem.charts`` lays them out."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from oem import charts, metrics, selectors
from portfolio.language import revenue_at_risk_sentence

PAGE_SIZE = 25
PENALTY_QUARTERS = 8
NO_SNAPSHOT = "Scores are computed nightly and after each ingest; run manage.py recompute."


def _horizon_text(projection: dict | None, horizon: int) -> str:
    """The projection horizon in words, e.g. "within 4 quarters, by 2027Q3"."""
    if projection:
        return (
            f"within {horizon} quarters, "
            f"by {projection['projected_year']}Q{projection['projected_quarter']}"
        )
    return f"within {horizon} quarters"


@require_safe
@login_required
def relationship(request, pk):
    """One OEM relationship: header, scorecard history with trend and projection band, the
    probability of SDP review and revenue at risk (from the site's latest snapshot), and
    its penalties per quarter and one by one."""
    found = get_object_or_404(selectors.visible_relationships(request.user), pk=pk)
    currency = found.site.portfolio.currency
    today = timezone.localdate()
    snapshot = selectors.site_risk_snapshots([found.site_id]).get(found.site_id)
    stored = snapshot["rows"].get(found.pk) if snapshot else None
    horizon = (snapshot or {}).get("window", {}).get("horizon_quarters", selectors.HORIZON_QUARTERS)
    # The chart uses the snapshot's day, so its line is the one behind the stored probability.
    scores = selectors.relationship_scorecards(found.pk)
    risk = selectors.relationship_risk(
        found, scores, snapshot["as_of"] if snapshot else today, horizon
    )
    horizon_text = _horizon_text(risk["projection"], horizon)
    page = Paginator(selectors.relationship_penalties(found.pk), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    penalty_count = page.paginator.count  # every record, not only the chart's quarters
    return render(
        request,
        "oem/relationship.html",
        {
            "rel": found,
            "currency": currency,
            "snapshot": snapshot,
            "stored": stored,
            "risk": risk,
            "horizon_text": horizon_text,
            "stale": stored is not None
            and not (
                selectors.same_figure(stored.get("probability"), risk["probability"])
                and selectors.same_figure(stored.get("revenue_at_risk"), risk["revenue_at_risk"])
            ),
            "sentence": stored
            and revenue_at_risk_sentence(
                found.customer.name,
                stored.get("annual_revenue"),
                stored.get("probability"),
                horizon_text,
                currency=currency,
            ),
            "no_snapshot": NO_SNAPSHOT,
            "charts": {
                "scorecards": charts.scorecard_history(
                    scores,
                    risk["projection"],
                    risk["band"],
                    float(found.sdp_threshold_score),
                    as_of=risk["as_of"],
                ),
                "penalties": charts.penalty_quarters(
                    selectors.relationship_penalty_quarters(found.pk, today, PENALTY_QUARTERS),
                    currency,
                    as_of=today,
                    recorded=penalty_count,
                ),
            },
            "page": page,
            "penalty_count": penalty_count,
        },
    )


@require_safe
@login_required
def customer(request, code):
    """One OEM customer across the sites you see: its relationships with their scores and
    SDP probability, penalties per quarter by site, and the total revenue at risk."""
    rows = selectors.customer_relationships(request.user, code)
    if not rows:
        raise Http404("No such customer at your sites.")
    today = timezone.localdate()
    relationships = [row["relationship"] for row in rows]
    for row in rows:
        risk, window = row["risk"], row["snapshot_window"]
        horizon = window.get("horizon_quarters", selectors.HORIZON_QUARTERS)
        row["sentence"] = risk and revenue_at_risk_sentence(
            row["relationship"].customer.name + f" ({row['relationship'].site.name})",
            risk.get("annual_revenue"),
            risk.get("probability"),
            f"within {horizon} quarters of the last scorecard",
            currency=row["relationship"].site.portfolio.currency,
        )
    # Money adds up only within one currency: a total and a penalty chart per currency.
    currencies = sorted({r.site.portfolio.currency for r in relationships})
    totals, penalty_charts = [], []
    for currency in currencies:
        mine = [row for row in rows if row["relationship"].site.portfolio.currency == currency]
        totals.append(
            (
                currency,
                metrics.revenue_at_risk_total(
                    [row["risk"]["revenue_at_risk"] if row["risk"] else None for row in mine]
                ),
            )
        )
        penalty_charts.append(
            charts.penalties_by_site(
                selectors.penalty_quarters_by_site(
                    [row["relationship"] for row in mine], today, PENALTY_QUARTERS
                ),
                currency,
                as_of=today,
                figure_id=f"penalties-by-site-{currency.lower()}",
            )
        )
    as_of_days = sorted({row["snapshot_as_of"] for row in rows if row["snapshot_as_of"]})
    return render(
        request,
        "oem/customer.html",
        {
            "customer": relationships[0].customer,
            "rows": rows,
            "totals": totals,
            "as_of_days": as_of_days,
            "horizon": selectors.HORIZON_QUARTERS,
            "no_snapshot": NO_SNAPSHOT,
            "penalty_charts": penalty_charts,
        },
    )
