"""Reads of OEM relationships, scorecards and penalties; scoped with ``visible_to``.

``relationship_risk`` recomputes one relationship's scorecard trend and probability of SDP
review from its own rows, through the pure functions the site recompute uses
(``oem.metrics``), so a page can draw the line behind a stored figure without reading the
whole site.
"""

import datetime as dt

import pandas as pd
from django.db.models import F

from core.dates import SDP_HORIZON_QUARTERS, quarters_back_start
from oem import metrics
from oem.models import OEMRelationship, PenaltyRecord, ScorecardResult

SCORE_COLUMNS = ["year", "quarter", "score"]
PENALTY_COLUMNS = ["penalty_id", "relationship_id", "site_id", "incurred_on", "amount"]


def visible_relationships(user):
    """Relationships at the sites ``user`` sees, with customer, site and portfolio joined."""
    return OEMRelationship.objects.visible_to(user).select_related("customer", "site__portfolio")


def relationship_scorecards(relationship_id: int) -> pd.DataFrame:
    """Every stored quarter of the relationship's scorecard (``year``, ``quarter``,
    ``score`` as float), oldest first."""
    rows = (
        ScorecardResult.objects.filter(relationship_id=relationship_id)
        .order_by("year", "quarter")
        .values_list(*SCORE_COLUMNS)
    )
    frame = pd.DataFrame(list(rows), columns=SCORE_COLUMNS)
    frame["score"] = frame["score"].astype(float)
    return frame


def relationship_risk(
    relationship: OEMRelationship,
    scores: pd.DataFrame,
    as_of: dt.date,
    horizon_quarters: int = SDP_HORIZON_QUARTERS,
) -> dict:
    """The relationship's scorecard trend and probability of SDP review as of ``as_of``,
    computed exactly as the site's recompute does: the scorecards known on that day
    (``metrics.scorecards_known_on``), ``metrics.revenue_at_risk`` on this one relationship
    and ``metrics.scorecard_projection`` for the line; ``band`` is ``metrics.projection_band``
    (± σ). ``scores`` is :func:`relationship_scorecards`."""
    known = metrics.scorecards_known_on(scores, as_of)
    rels = pd.DataFrame(
        [
            {
                "relationship_id": relationship.pk,
                "customer": relationship.customer.name,
                "annual_revenue": float(relationship.annual_revenue),
                "sdp_threshold_score": float(relationship.sdp_threshold_score),
                "status": relationship.status,
            }
        ]
    )
    table = metrics.revenue_at_risk(
        rels, known.assign(relationship_id=relationship.pk), horizon_quarters
    )
    projection = metrics.scorecard_projection(known, horizon_quarters)
    row = table.loc[relationship.pk]
    return {
        "as_of": as_of,
        "known": known,
        "projection": projection,
        "band": metrics.projection_band(projection),
        "probability": row["probability"],
        "revenue_at_risk": float(row["revenue_at_risk"]),
    }


def same_figure(stored, computed) -> bool:
    """Whether a snapshot's figure and today's recomputation agree (JSON round-trips floats
    exactly; the tolerance only absorbs summation order)."""
    if stored is None or computed is None:
        return stored is None and computed is None
    return abs(float(stored) - float(computed)) <= 1e-9 * max(1.0, abs(float(stored)))


def _penalty_frame(queryset) -> pd.DataFrame:
    rows = queryset.values_list(
        "pk", "relationship_id", "relationship__site_id", "incurred_on", "amount"
    )
    frame = pd.DataFrame(list(rows), columns=PENALTY_COLUMNS)
    frame["amount"] = frame["amount"].astype(float)
    return frame


def relationship_penalty_quarters(relationship_id: int, as_of: dt.date, quarters: int) -> pd.Series:
    """Penalty amounts per calendar quarter (``metrics.quarterly_exposure``, the current
    quarter to date) over ``quarters`` quarters to ``as_of``. One query."""
    frame = _penalty_frame(
        PenaltyRecord.objects.filter(
            relationship_id=relationship_id,
            incurred_on__gte=quarters_back_start(as_of, quarters),
            incurred_on__lte=as_of,
        )
    )
    return metrics.quarterly_exposure(frame, as_of, quarters=quarters, complete_only=False)


def relationship_penalties(relationship_id: int):
    """The relationship's penalty records, newest first, as dicts with the failure event
    (asset, failure mode) they stem from and whether it counts as addressable (its failure
    mode is detectable by condition monitoring). Lazy: paginate it."""
    return (
        PenaltyRecord.objects.filter(relationship_id=relationship_id)
        .order_by("-incurred_on", "-pk")
        .values(
            "pk",
            "incurred_on",
            "invoice_reference",
            "amount",
            "reason",
            "failure_event_id",
            failure_asset_id=F("failure_event__asset_id"),
            failure_asset_code=F("failure_event__asset__code"),
            failure_mode=F("failure_event__failure_mode__name"),
            detectable=F("failure_event__failure_mode__detectable_by_condition_monitoring"),
            named_asset_id=F("asset_id"),
            named_asset_code=F("asset__code"),
        )
    )


def customer_relationships(user, code: str) -> list[dict]:
    """The relationships of OEM customer ``code`` at the sites ``user`` sees, ordered by
    site, each with its latest stored scorecard (``latest_score``, ``latest_quarter``).
    Empty when the customer has no relationship the user may see. Two queries."""
    relationships = list(
        visible_relationships(user).filter(customer__code=code).order_by("site__name", "pk")
    )
    if not relationships:
        return []
    latest = {
        row["relationship_id"]: row
        for row in ScorecardResult.objects.filter(relationship_id__in=[r.pk for r in relationships])
        .order_by("relationship_id", "-year", "-quarter")
        .distinct("relationship_id")
        .values("relationship_id", "year", "quarter", "score")
    }
    out = []
    for relationship in relationships:
        card = latest.get(relationship.pk)
        out.append(
            {
                "relationship": relationship,
                "latest_score": float(card["score"]) if card else None,
                "latest_quarter": f"{card['year']}Q{card['quarter']}" if card else None,
            }
        )
    return out


def penalty_quarters_by_site(
    relationships, as_of: dt.date, quarters: int
) -> list[tuple[str, pd.Series]]:
    """Per site (ordered as ``relationships``), the penalty amounts of these relationships
    per calendar quarter (``metrics.quarterly_exposure``, current quarter to date) over
    ``quarters`` quarters to ``as_of``. One query."""
    frame = _penalty_frame(
        PenaltyRecord.objects.filter(
            relationship__in=[r.pk for r in relationships],
            incurred_on__gte=quarters_back_start(as_of, quarters),
            incurred_on__lte=as_of,
        )
    )
    out = []
    for relationship in relationships:
        rows = frame[frame["site_id"] == relationship.site_id]
        series = metrics.quarterly_exposure(rows, as_of, quarters=quarters, complete_only=False)
        out.append((relationship.site.name, series))
    return out
