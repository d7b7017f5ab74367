"""Maturity against the shared reliability standard (SPEC §3 "Maturity score", §4).

Four dimensions, each a score 0–100 against the standard:

=====================  ==============================================================
dimension              input → score
=====================  ==============================================================
cm_coverage            Tier 1 CM coverage (fraction 0–1) → 100 × coverage
changeover             changeover window utilization, last 4 windows (fraction ≥ 0)
                       → 100 × min(utilization, 1)
mtbf_trend             mean MTBF change of the top-3 bottleneck assets, % per quarter
                       → 50 + 2.5 × pct, clipped to [0, 100] (−20 % → 0, +20 % → 100)
penalty_frequency      OEM penalty events in the last 2 quarters vs target / tolerated
                       → 100 at ≤ target, 50 at tolerated, 0 at 2 × tolerated
=====================  ==============================================================

The composite is the weighted mean of the dimensions that are known, with the standard's
weights renormalised over them. The risk tier combines the composite with the site's
annual OEM penalty exposure (money, portfolio currency).

Conventions (house rules): pure functions, no Django. ``None`` means "the data cannot
support this figure" and propagates: an unknown input gives an unknown score, never 0.
A float NaN (what pandas hands over for missing data) is treated exactly like ``None``.
Numbers may be int, float, numpy scalars or Decimal (the standard comes from Decimal
fields); they are converted to float. Inputs outside their domain (negative coverage,
negative event counts, negative weights…) raise ``core.frames.ScoringError`` (a
``ValueError``): they are bugs upstream, and a clipped score would hide them.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers

from core.frames import ScoringError, as_number

__all__ = [
    "BARS",
    "DIMENSIONS",
    "HIGH_COMPOSITE_BELOW",
    "HIGH_EXPOSURE_FROM",
    "MEDIUM_COMPOSITE_BELOW",
    "MEDIUM_EXPOSURE_FROM",
    "MTBF_TREND_FULL_SCALE_PCT",
    "TIER_HIGH",
    "TIER_LOW",
    "TIER_MEDIUM",
    "changeover_score",
    "cm_coverage_score",
    "composite",
    "dimension_scores",
    "dimension_status",
    "explain_risk_tier",
    "gaps_to_standard",
    "mtbf_trend_score",
    "penalty_frequency_score",
    "risk_tier",
]

#: MTBF trend (% per quarter) that scores 100; its negative scores 0; 0 % scores 50.
MTBF_TREND_FULL_SCALE_PCT = 20.0

#: Risk tier thresholds. High: composite below 50 OR exposure of 250,000 or more.
HIGH_COMPOSITE_BELOW = 50.0
HIGH_EXPOSURE_FROM = 250_000.0
#: Medium (when not high): composite below 75 OR exposure of 50,000 or more.
MEDIUM_COMPOSITE_BELOW = 75.0
MEDIUM_EXPOSURE_FROM = 50_000.0

TIER_HIGH = "high"
TIER_MEDIUM = "medium"
TIER_LOW = "low"

#: Score key → (input key in ``dimension_scores`` inputs, weight key in the standard).
DIMENSIONS: dict[str, tuple[str, str]] = {
    "cm_coverage": ("cm_coverage", "weight_cm_coverage"),
    "changeover": ("changeover_utilization", "weight_changeover"),
    "mtbf_trend": ("mtbf_trend_pct", "weight_mtbf_trend"),
    "penalty_frequency": ("penalty_events_2q", "weight_penalty_frequency"),
}


# --------------------------------------------------------------------------- helpers


def _clip(value: float, low: float = 0.0, high: float = 100.0) -> float:
    return min(high, max(low, value))


# --------------------------------------------------------------------------- dimensions


def cm_coverage_score(coverage: float | None) -> float | None:
    """CM coverage score = 100 × coverage.

    ``coverage`` = Tier 1 assets with a fresh sensor ÷ Tier 1 assets, a fraction 0–1.
    Examples: 0.9 → 90.0; 1 → 100.0; 0 → 0.0 (a site with Tier 1 assets and no sensor
    is a measured 0, not unknown). None / NaN (e.g. the site has no Tier 1 asset) → None.
    Outside [0, 1] → ScoringError.
    """
    value = as_number(coverage, "coverage")
    if value is None:
        return None
    if not 0.0 <= value <= 1.0:
        raise ScoringError(f"coverage must be a fraction in [0, 1], got {coverage!r}")
    return 100.0 * value


def changeover_score(utilization: float | None) -> float | None:
    """Changeover score = 100 × min(utilization, 1).

    ``utilization`` = maintenance minutes executed ÷ minutes available over the last 4
    changeover windows, a fraction ≥ 0; overrunning the windows (> 1) scores no more
    than filling them. Examples: 0.68 → 68.0; 1.3 → 100.0. None / NaN (no window) → None.
    Negative or infinite → ScoringError.
    """
    value = as_number(utilization, "utilization")
    if value is None:
        return None
    if value < 0 or math.isinf(value):
        raise ScoringError(f"utilization must be a finite fraction >= 0, got {utilization!r}")
    return 100.0 * min(value, 1.0)


def mtbf_trend_score(pct_per_quarter: float | None) -> float | None:
    """MTBF trend score = clip(50 + 50 × pct ÷ 20, 0, 100) = clip(50 + 2.5 × pct, 0, 100).

    ``pct_per_quarter`` is the mean MTBF change per quarter in PERCENT (+10 means MTBF
    grows 10 % per quarter) over the site's top-3 bottleneck assets. Linear: −20 % or
    worse → 0; 0 → 50; +20 % or better → 100. Examples: −8 → 30.0; +10 → 75.0;
    +35 → 100.0; ±infinity → 100 / 0. None / NaN (no trend measurable) → None.
    """
    value = as_number(pct_per_quarter, "pct_per_quarter")
    if value is None:
        return None
    return _clip(50.0 + 50.0 * value / MTBF_TREND_FULL_SCALE_PCT)


def penalty_frequency_score(events: int | None, target: int, tolerated: int) -> float | None:
    """Penalty frequency score from the OEM penalty events of the last 2 quarters.

    Piecewise linear in ``events`` (e), with target T and tolerated L (T ≤ L):

    * e ≤ T → 100 (this rule wins when T = L: e = L = T scores 100);
    * T < e ≤ L → 100 − 50 × (e − T) ÷ (L − T), so e = L → 50;
    * e > L → 50 − 50 × (e − L) ÷ (Z − L), Z = 2 × L (Z = L + 1 when L = 0), clipped at 0.

    Defaults T = 0, L = 2: 0 → 100, 1 → 75, 2 → 50, 3 → 25, ≥ 4 → 0.
    T = L = 0: 0 → 100, ≥ 1 → 0. None / NaN (no penalty data) → None.
    Negative events, target or tolerated, or target > tolerated → ScoringError.
    """
    value = as_number(events, "events")
    if value is None:
        return None
    low, high = float(target), float(tolerated)
    if value < 0 or low < 0 or high < low:
        raise ScoringError(
            f"need events >= 0 and 0 <= target <= tolerated, got {events!r}, {target!r}, "
            f"{tolerated!r}"
        )
    if value <= low:
        return 100.0
    if value <= high:
        return _clip(100.0 - 50.0 * (value - low) / (high - low))
    zero_at = 2.0 * high if high > 0 else high + 1.0
    return _clip(50.0 - 50.0 * (value - high) / (zero_at - high))


def dimension_scores(inputs: dict, standard: dict) -> dict:
    """The four dimension scores of a site, each 0–100 or None.

    ``inputs`` keys (a missing key is unknown, like None): ``cm_coverage`` (fraction),
    ``changeover_utilization`` (fraction), ``mtbf_trend_pct`` (% per quarter),
    ``penalty_events_2q`` (count); other keys are ignored. ``standard`` needs
    ``target_penalty_events_2q`` and ``tolerated_penalty_events_2q``.
    Returns ``{cm_coverage, changeover, mtbf_trend, penalty_frequency}``.
    """
    return {
        "cm_coverage": cm_coverage_score(inputs.get("cm_coverage")),
        "changeover": changeover_score(inputs.get("changeover_utilization")),
        "mtbf_trend": mtbf_trend_score(inputs.get("mtbf_trend_pct")),
        "penalty_frequency": penalty_frequency_score(
            inputs.get("penalty_events_2q"),
            standard["target_penalty_events_2q"],
            standard["tolerated_penalty_events_2q"],
        ),
    }


def composite(scores: dict, standard: dict) -> float | None:
    """Maturity composite = Σ wᵢ × sᵢ ÷ Σ wᵢ over the KNOWN dimensions i (0–100).

    ``scores`` as returned by :func:`dimension_scores`; weights are the standard's
    ``weight_cm_coverage``, ``weight_changeover``, ``weight_mtbf_trend``,
    ``weight_penalty_frequency`` (≥ 0, any scale: they are renormalised). A dimension that
    is None / NaN / absent drops out and the others' weights are renormalised, so an
    unknown dimension neither counts as 0 nor as 100.

    Example: scores 90, 68, None, 50 with weights 0.25 each → (90 + 68 + 50) ÷ 3 = 69.33.
    None when no dimension is known, or when all known dimensions weigh 0.
    A negative weight → ScoringError. The result is clipped to [0, 100] against float
    round-off only.
    """
    total = weight_sum = 0.0
    for name, (_, weight_key) in DIMENSIONS.items():
        score = as_number(scores.get(name), name)
        if score is None:
            continue
        weight = float(standard[weight_key])
        if weight < 0 or math.isnan(weight):
            raise ScoringError(f"{weight_key} must be >= 0, got {standard[weight_key]!r}")
        total += weight * score
        weight_sum += weight
    if weight_sum <= 0:
        return None
    return _clip(total / weight_sum)


# --------------------------------------------------------------------------- risk tier


def explain_risk_tier(composite: float | None, exposure: float | None) -> dict:
    """Risk tier with the reason, ``{"tier": "high" | "medium" | "low", "reason": str}``.

    ``composite`` is the maturity composite (0–100); ``exposure`` the site's annual OEM
    penalty exposure (money). Rules, first match wins:

    * high: composite < 50 (:data:`HIGH_COMPOSITE_BELOW`) or exposure ≥ 250,000
      (:data:`HIGH_EXPOSURE_FROM`);
    * medium: composite < 75 (:data:`MEDIUM_COMPOSITE_BELOW`) or exposure ≥ 50,000
      (:data:`MEDIUM_EXPOSURE_FROM`);
    * low otherwise.

    An unknown (None / NaN) figure takes no part: composite None → decided by exposure
    alone, exposure None → by composite alone. Both None → "medium": with nothing
    measured the site cannot be called low risk (unknown is not low), and nothing
    measured says it is high either.
    """
    score, money = as_number(composite, "composite"), as_number(exposure, "exposure")
    if score is None and money is None:
        return {
            "tier": TIER_MEDIUM,
            "reason": "neither maturity nor penalty exposure is known; unknown is not low",
        }
    if score is not None and score < HIGH_COMPOSITE_BELOW:
        return {"tier": TIER_HIGH, "reason": f"maturity composite below {HIGH_COMPOSITE_BELOW:g}"}
    if money is not None and money >= HIGH_EXPOSURE_FROM:
        return {
            "tier": TIER_HIGH,
            "reason": f"penalty exposure of {HIGH_EXPOSURE_FROM:,.0f} or more",
        }
    if score is not None and score < MEDIUM_COMPOSITE_BELOW:
        return {
            "tier": TIER_MEDIUM,
            "reason": f"maturity composite below {MEDIUM_COMPOSITE_BELOW:g}",
        }
    if money is not None and money >= MEDIUM_EXPOSURE_FROM:
        return {
            "tier": TIER_MEDIUM,
            "reason": f"penalty exposure of {MEDIUM_EXPOSURE_FROM:,.0f} or more",
        }
    if score is None:
        return {"tier": TIER_LOW, "reason": "low penalty exposure (maturity unknown)"}
    if money is None:
        return {"tier": TIER_LOW, "reason": "maturity at standard (penalty exposure unknown)"}
    return {"tier": TIER_LOW, "reason": "maturity at standard and low penalty exposure"}


def risk_tier(composite: float | None, exposure: float | None) -> str:
    """ "high", "medium" or "low"; see :func:`explain_risk_tier` for the rules and reasons.

    Examples: (45, 0) → high; (80, 300_000) → high; (70, 10_000) → medium;
    (90, 60_000) → medium; (90, 10_000) → low; (None, 300_000) → high;
    (None, 10_000) → low; (None, None) → medium.
    """
    return explain_risk_tier(composite, exposure)["tier"]


# --------------------------------------------------------------------------- matrix

#: Dimension → (the standard's bar for its value, or None for 0, "minimum" | "maximum").
#: The standard sets no bar on the MTBF trend: a flat or improving trend meets it.
BARS: dict[str, tuple[str | None, str]] = {
    "cm_coverage": ("min_cm_coverage_tier1", "minimum"),
    "changeover": ("min_changeover_utilization", "minimum"),
    "mtbf_trend": (None, "minimum"),
    "penalty_frequency": ("tolerated_penalty_events_2q", "maximum"),
}


def dimension_status(dimension: str, values: dict, standard: dict) -> str:
    """ "meets", "gap" or "unknown": how one dimension stands against the standard, for
    the maturity matrix's colours.

    CM coverage and changeover utilization meet the standard at or above its minimum,
    penalty events at or below its tolerated count (the same bars as
    :func:`gaps_to_standard`). The standard sets no bar on the MTBF trend, so a flat or
    improving trend (≥ 0 % per quarter) meets it and a declining one is a gap. Unknown
    values are "unknown". Example: coverage 0.85 against 0.90 → "gap".
    """
    value_key, _ = DIMENSIONS[dimension]
    bar_key, kind = BARS[dimension]
    value = as_number(values.get(value_key), value_key)
    if value is None:
        return "unknown"
    bar = 0.0 if bar_key is None else float(standard[bar_key])
    meets = value >= bar if kind == "minimum" else value <= bar
    return "meets" if meets else "gap"


# --------------------------------------------------------------------------- gaps

#: value key → (standard key, "minimum" | "maximum", always checked?). Optional bars
#: are checked only when both the value key and the standard key are present.
_GAP_BARS: dict[str, tuple[str, str, bool]] = {
    "cm_coverage": ("min_cm_coverage_tier1", "minimum", True),
    "changeover_utilization": ("min_changeover_utilization", "minimum", True),
    "penalty_events_2q": ("tolerated_penalty_events_2q", "maximum", True),
    "alert_response_median_hours": ("max_alert_response_median_hours", "maximum", False),
    "alert_response_p90_hours": ("max_alert_response_p90_hours", "maximum", False),
    "jit_failures_documented": ("min_jit_failures_documented", "minimum", False),
}


def gaps_to_standard(
    values: dict,
    standard: dict,
    as_of: dt.date,
    below_since: dict | None = None,
) -> list[dict]:
    """Where a site misses the standard, by how much, and by when it must close the gap.

    Bars (value key in ``values`` → standard key):

    * ``cm_coverage`` ≥ ``min_cm_coverage_tier1`` (fraction);
    * ``changeover_utilization`` ≥ ``min_changeover_utilization`` (fraction);
    * ``penalty_events_2q`` ≤ ``tolerated_penalty_events_2q`` (count, a maximum);
    * only when the key is in both ``values`` and ``standard``:
      ``alert_response_median_hours`` ≤ ``max_alert_response_median_hours``,
      ``alert_response_p90_hours`` ≤ ``max_alert_response_p90_hours`` (hours),
      ``jit_failures_documented`` ≥ ``min_jit_failures_documented`` (fraction).

    Meeting a bar exactly is not a gap. Each gap is a dict:
    ``{dimension, status: "gap", value, minimum | maximum, shortfall, deadline}`` with
    shortfall = minimum − value, or value − maximum (> 0, in the value's unit: a fraction,
    events or hours; an integer count stays an int in ``value``) and
    deadline = (``below_since[dimension]`` or ``as_of``) + ``gap_closure_days`` days.
    ``below_since`` holds the dates a site first fell below a bar (from its snapshot
    history) so re-computing does not push the deadline back.

    A value that is None / NaN (or an always-checked key missing from ``values``) is not
    a gap: it cannot be shown to miss the bar. It is listed as
    ``{dimension, status: "unknown", value: None, minimum | maximum, shortfall: None,
    deadline: None}`` AFTER all the gaps, so callers can show "not measured" apart.

    Example: coverage 0.75 vs 0.90, as_of 2026-09-30, 180 days → shortfall 0.15,
    deadline 2027-03-29. Values that are not gaps or unknowns give no row.
    """
    since = below_since or {}
    days = dt.timedelta(days=int(standard["gap_closure_days"]))
    gaps: list[dict] = []
    unknown: list[dict] = []
    for dimension, (bar_key, kind, always) in _GAP_BARS.items():
        if not always and (dimension not in values or bar_key not in standard):
            continue
        bar = float(standard[bar_key])
        value = as_number(values.get(dimension), dimension)
        if value is None:
            unknown.append(
                {
                    "dimension": dimension,
                    "status": "unknown",
                    "value": None,
                    kind: bar,
                    "shortfall": None,
                    "deadline": None,
                }
            )
            continue
        shortfall = bar - value if kind == "minimum" else value - bar
        if shortfall <= 0:
            continue
        start = since.get(dimension) or as_of
        raw = values[dimension]
        gaps.append(
            {
                "dimension": dimension,
                "status": "gap",
                "value": int(raw) if isinstance(raw, numbers.Integral) else value,
                kind: bar,
                "shortfall": shortfall,
                "deadline": start + days,
            }
        )
    return gaps + unknown
