"""A portfolio's figures from its sites' figures: sums for money, sums for OEE.

Pure: takes the site figures as stored in snapshots (dicts with the snapshot's fields and
the parts of ``details`` it reads: ``production_sums`` and ``maintenance_cost``; a site
without them, such as a point of history read without details, adds nothing to OEE and
cost). Money adds up across sites; OEE is rolled up from the sites' summed
minutes and counts (ISO 22400-2), never by averaging the sites' OEE; the spread across
sites is max − min and the standard deviation, in points. Maturity dimensions are the
plain mean over the sites that have a value (each plant counts once), and the composite
applies the standard's weights to those means. Maintenance cost % of revenue is the
sites' summed spend over their summed revenue (a big plant weighs more), and the
addressable share is addressable ÷ total exposure of the summed money.
"""

from reliability import metrics
from scores.figures import maturity
from scores.snapshot import MONEY_FIGURES, SCORE_COLUMNS, Detail


def aggregate(sites: list[dict], standard: dict) -> dict:
    """Totals and roll-ups over ``sites``; None where no site has the figure."""
    result: dict = {"sites": len(sites)}
    for name in MONEY_FIGURES:
        values = [float(s[name]) for s in sites if s.get(name) is not None]
        result[name] = sum(values) if values else None
    sums = [s.get("details", {}).get(Detail.PRODUCTION_SUMS) or {} for s in sites]
    planned = sum(x.get("planned_minutes", 0.0) for x in sums)
    run = sum(x.get("run_minutes", 0.0) for x in sums)
    ideal = sum(x.get("ideal_minutes", 0.0) for x in sums)
    total = sum(x.get("total_count", 0.0) for x in sums)
    good = sum(x.get("good_count", 0.0) for x in sums)
    availability = run / planned if planned else None
    performance = ideal / run if run else None
    quality = good / total if total else None
    parts = (availability, performance, quality)
    result["oee"] = None if None in parts else availability * performance * quality
    result["oee_spread"] = metrics.oee_spread([s.get("oee") for s in sites])
    scores = {}
    for dimension, field in SCORE_COLUMNS.items():
        values = [s[field] for s in sites if s.get(field) is not None]
        scores[dimension] = sum(values) / len(values) if values else None
    result["scores"] = scores
    result["maturity_composite"] = maturity.composite(scores, standard)
    result["addressable_share"] = _share(result["addressable_exposure"], result["penalty_exposure"])
    costs = [s.get("details", {}).get(Detail.MAINTENANCE_COST) or {} for s in sites]
    costs = [c for c in costs if c.get("spend") is not None and c.get("revenue")]
    result["maintenance_cost_pct_revenue"] = _share(
        sum(c["spend"] for c in costs) if costs else None, sum(c["revenue"] for c in costs)
    )
    days = sorted(str(s["as_of"]) for s in sites if s.get("as_of") is not None)
    result["as_of_first"], result["as_of_last"] = (days[0], days[-1]) if days else (None, None)
    result["risk_tiers"] = {
        tier: sum(1 for s in sites if s.get("risk_tier") == tier)
        for tier in ("high", "medium", "low")
    }
    return result


def _share(part, whole) -> float | None:
    return None if part is None or not whole else float(part) / float(whole)


#: Figures compared quarter on quarter: whether a rise is good news, and the smallest
#: change that shows (half a dollar; 0.05 percentage points; 0.05 of a score point):
#: a change that rounds to zero on the page is "same".
HEADLINE_CHANGES = {
    "penalty_exposure": (False, 0.5),
    "addressable_share": (True, 0.0005),
    "revenue_at_risk": (False, 0.5),
    "production_value_at_risk": (False, 0.5),
    "maintenance_cost_pct_revenue": (False, 0.0005),
    "oee": (True, 0.0005),
    "maturity_composite": (True, 0.05),
}


def compare(current: dict, previous: dict | None) -> dict[str, dict]:
    """Each headline figure against an earlier roll-up (e.g. last quarter's).

    Per name in ``HEADLINE_CHANGES``: ``{"change": current − previous,
    "direction": "better" | "worse" | "same"}``, or change None when either side is
    unknown; a change smaller than the figure's resolution is "same". Example: exposure
    300,000 now vs 250,000 → change +50,000, "worse"; OEE 0.8571 vs 0.8573 → "same".
    """
    out = {}
    for name, (rise_is_better, resolution) in HEADLINE_CHANGES.items():
        now = current.get(name)
        before = (previous or {}).get(name)
        if now is None or before is None:
            out[name] = {"change": None, "direction": None}
            continue
        change = float(now) - float(before)
        if abs(change) < resolution:
            direction = "same"
        else:
            direction = "better" if (change > 0) == rise_is_better else "worse"
        out[name] = {"change": change, "direction": direction}
    return out


def exposure_split(exposure, addressable) -> dict:
    """A site's exposure split for the exposure-by-site chart: addressable (condition
    monitoring can catch it) and the rest. Example: 809,800 with 170,300 addressable →
    {"addressable": 170,300, "other": 639,500}; unknown exposure → both None."""
    if exposure is None:
        return {"addressable": None, "other": None}
    addressable = float(addressable or 0.0)
    return {"addressable": addressable, "other": float(exposure) - addressable}
