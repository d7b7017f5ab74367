"""A portfolio's figures from its sites' figures: sums for money, sums for OEE.

Pure: takes the site figures as stored in snapshots (dicts with the snapshot's fields and
``details``). Money adds up across sites; OEE is rolled up from the sites' summed
minutes and counts (ISO 22400-2), never by averaging the sites' OEE; the spread across
sites is max − min and the standard deviation, in points. Maturity dimensions are the
plain mean over the sites that have a value (each plant counts once), and the composite
applies the standard's weights to those means.
"""

from reliability import metrics

from . import maturity

MONEY = (
    "penalty_exposure",
    "addressable_exposure",
    "emergency_premium",
    "production_value_at_risk",
    "revenue_at_risk",
)
DIMENSIONS = {
    "cm_coverage": "cm_coverage_score",
    "changeover": "changeover_score",
    "mtbf_trend": "mtbf_trend_score",
    "penalty_frequency": "penalty_frequency_score",
}


def aggregate(sites: list[dict], standard: dict) -> dict:
    """Totals and roll-ups over ``sites``; None where no site has the figure."""
    result: dict = {"sites": len(sites)}
    for name in MONEY:
        values = [float(s[name]) for s in sites if s.get(name) is not None]
        result[name] = sum(values) if values else None
    sums = [s.get("details", {}).get("production_sums") or {} for s in sites]
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
    for dimension, field in DIMENSIONS.items():
        values = [s[field] for s in sites if s.get(field) is not None]
        scores[dimension] = sum(values) / len(values) if values else None
    result["scores"] = scores
    result["maturity_composite"] = maturity.composite(scores, standard)
    result["risk_tiers"] = {
        tier: sum(1 for s in sites if s.get("risk_tier") == tier)
        for tier in ("high", "medium", "low")
    }
    return result
