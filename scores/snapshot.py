"""The shape of a site score snapshot, defined once: its figure columns and its ``details``.

``details`` is the JSON a snapshot keeps beside its figures: each figure's window, the
inputs behind it and the rows it can be traced to. ``scores.figures.site`` writes it; the
page builders (``scores.pages``), the roll-up (``scores.figures.rollup``) and the
selectors read it. Both sides name its keys through this module: the top-level keys are
``Detail``, the windows ``Window``, and the TypedDicts below say what each part holds.
``details_problems`` checks a ``details`` against that shape (tests run it on a computed
snapshot, so the writer and the shape cannot drift apart). The selectors hand the pages
``complete(details)``: the stored JSON laid over the shape, so a snapshot stored before a
part existed reads as blank for it ("—"), never as a failed page; and readers use ``[]``,
never ``.get(...) or {}``, so a key outside the shape is an error, not a silent "—".

Pure: no Django.
"""

import functools
import types
import typing
from enum import StrEnum
from typing import NotRequired, TypedDict

# --- The figure columns of a snapshot ------------------------------------------------------

#: The four maturity dimensions: (dimension, score column). ``scores.figures.maturity``
#: holds what each measures and against which bar.
SCORE_COLUMNS = {
    "cm_coverage": "cm_coverage_score",
    "changeover": "changeover_score",
    "mtbf_trend": "mtbf_trend_score",
    "penalty_frequency": "penalty_frequency_score",
}
#: Money figures, in the portfolio's currency (stored as Decimal to the cent).
MONEY_FIGURES = (
    "penalty_exposure",
    "addressable_exposure",
    "emergency_premium",
    "production_value_at_risk",
    "revenue_at_risk",
)
#: Every figure column of a snapshot, in the order the pages and the roll-up list them.
FIGURES = (
    *SCORE_COLUMNS.values(),
    "maturity_composite",
    "risk_tier",
    *MONEY_FIGURES,
    "maintenance_cost_pct_revenue",
    "oee",
)


# --- details: the keys ----------------------------------------------------------------------


class Detail(StrEnum):
    """The top-level keys of ``details``."""

    AS_OF = "as_of"
    WINDOWS = "windows"
    MTBF = "mtbf"
    MTTR = "mttr"
    MTBF_TREND = "mtbf_trend"
    OEE = "oee"
    OEE_BY_LINE = "oee_by_line"
    PRODUCTION_SUMS = "production_sums"
    CHANGEOVER = "changeover"
    PM_COMPLETION = "pm_completion"
    CM_COVERAGE = "cm_coverage"
    ALERT_RESPONSE = "alert_response"
    ALERT_CONFIRMATION = "alert_confirmation"
    PENALTY_EXPOSURE = "penalty_exposure"
    ADDRESSABLE_EXPOSURE = "addressable_exposure"
    PENALTY_EVENTS_2Q = "penalty_events_2q"
    EMERGENCY_PREMIUM = "emergency_premium"
    MAINTENANCE_COST = "maintenance_cost"
    PRODUCTION_VALUE_AT_RISK = "production_value_at_risk"
    REVENUE_AT_RISK = "revenue_at_risk"
    EARLY_WARNINGS = "early_warnings"
    MATURITY = "maturity"
    GAPS = "gaps"
    FINANCIAL_CASE = "financial_case"
    TIER1_ASSETS = "tier1_assets"
    TIER1 = "tier1"
    HISTORY_START = "history_start"


class Window(StrEnum):
    """The windows in ``details["windows"]``: one per figure family."""

    MTBF = "mtbf"
    MTTR = "mttr"
    MTBF_TREND = "mtbf_trend"
    OEE = "oee"
    CHANGEOVER = "changeover"
    CM_COVERAGE = "cm_coverage"
    ALERT_RESPONSE = "alert_response"
    PENALTY_EXPOSURE = "penalty_exposure"
    EMERGENCY_PREMIUM = "emergency_premium"
    MAINTENANCE_COST = "maintenance_cost"
    PRODUCTION_VALUE_AT_RISK = "production_value_at_risk"
    REVENUE_AT_RISK = "revenue_at_risk"


# --- details: the shape ---------------------------------------------------------------------
# Dates and times are ISO strings; an unknown number is null. Where a part is the return
# value of a pure function, that function's docstring says what each key means.


class WindowInfo(TypedDict):
    start: str | None
    end: str | None
    # What the pages print beside the figure: "trailing 12 months to 2026-11-01" (the writer
    # always writes one; null only where a stored snapshot lacks the window).
    label: str | None
    quarters: NotRequired[int]  # mtbf_trend
    assets: NotRequired[list[int]]  # mtbf_trend: the bottlenecks it scores
    windows: NotRequired[list[int]]  # changeover: the changeover windows it covers
    annualized: NotRequired[bool]  # penalty_exposure
    source: NotRequired[str]  # maintenance_cost
    horizon_quarters: NotRequired[int]  # revenue_at_risk


Windows = TypedDict("Windows", {window.value: WindowInfo for window in Window})


class MtbfSummary(TypedDict):
    mean_hours: float | None
    assets: int
    censored_assets: int
    failures: int
    # reliability.metrics.fleet_mtbf: Σ operating hours ÷ Σ failures ("> h" when censored);
    # a snapshot stored before it existed reads null, shown blank.
    fleet_hours: float | None
    fleet_censored: bool


class Mttr(TypedDict):  # reliability.metrics.mttr
    hours: float | None
    count: int  # repairs with a known time
    events: int  # all repair events (0 in snapshots stored before it existed)
    without_time: int


class MtbfTrendAsset(TypedDict):  # a row of reliability.statistics.mtbf_trend
    asset_id: int
    quarters: list[float | None]
    censored_quarters: int
    slope_hours_per_quarter: float | None
    pct_per_quarter: float | None
    crow_amsaa_beta: float | None
    direction: str
    quarter_labels: list[str]
    failures: int


class MtbfTrend(TypedDict):
    pct_per_quarter: float | None
    assets: list[MtbfTrendAsset]


class ProductionSums(TypedDict):  # what OEE is made of, so a portfolio OEE rolls up
    planned_minutes: float
    run_minutes: float
    ideal_minutes: float
    total_count: float
    good_count: float


class Oee(TypedDict):  # reliability.metrics.oee
    availability: float | None
    performance: float | None
    quality: float | None
    oee: float | None
    performance_above_one: bool
    planned_minutes: float
    run_minutes: float
    ideal_minutes: float
    total_count: float
    good_count: float


class LineOee(Oee):  # a row of reliability.metrics.oee_by
    line_id: int


class Changeover(TypedDict):  # reliability.metrics.changeover_utilization
    value: float | None
    executed_minutes: float
    available_minutes: float
    window_ids: list[int]
    window_start: NotRequired[str | None]
    window_end: NotRequired[str | None]


class PmCompletion(TypedDict):  # reliability.metrics.pm_completion_in_windows
    value: float | None
    scheduled: int
    completed: int


class CmCoverage(TypedDict):  # reliability.metrics.cm_coverage
    value: float | None
    covered: int
    total: int
    uncovered: list[int]


class AlertResponse(TypedDict):  # reliability.metrics.alert_response
    median_hours: float | None
    p90_hours: float | None
    count: int
    unacknowledged: int


class AlertConfirmation(TypedDict):  # reliability.metrics.alert_confirmation
    rate: float | None
    confirmed: int
    closed: int


class RelationshipExposure(TypedDict):
    relationship_id: int
    exposure: float | None
    events: int


class PenaltyExposure(TypedDict):  # oem.metrics.penalty_exposure
    total: float | None
    events: int
    window_start: str
    window_end: str
    annualized: bool
    days_of_history: int
    first_day: str | None
    factor: float | None
    by_relationship: list[RelationshipExposure]


class AddressableExposure(TypedDict):  # oem.metrics.addressable_exposure
    addressable: float | None
    avoidable: float | None
    share: float | None
    penalty_ids: list[int]
    total: float | None
    events: int
    expected_reduction: float
    window_start: str
    window_end: str
    annualized: bool
    days_of_history: int


class EmergencyPremium(TypedDict):  # scores.figures.finance.emergency_premium
    cost: float
    premium: float
    count: int
    planned_cost: float
    factor: float
    window_start: str
    window_end: str
    work_order_ids: list[int]


class MaintenanceCost(TypedDict):  # reliability.metrics.maintenance_cost
    spend: float | None
    source: str
    pct_revenue: float | None
    pct_replacement_value: float | None
    window_spend: float | None
    annualisation_factor: float | None
    revenue: float


class AssetValueAtRisk(TypedDict):
    asset_id: int
    code: str
    p_failure_12m: float | None
    expected_downtime_hours: float | None
    probability_source: str
    value: float | None


class ProductionValueAtRisk(TypedDict):  # scores.figures.finance.production_value_at_risk
    total: float | None
    missing: list[str]
    assets: list[AssetValueAtRisk]


class RelationshipRisk(TypedDict):  # a row of oem.metrics.revenue_at_risk
    relationship_id: int
    customer: str
    annual_revenue: float
    probability: float | None
    revenue_at_risk: float
    projected: float | None
    slope_per_quarter: float | None
    sigma: float | None
    points: int
    status: str
    sdp_threshold_score: float | None
    last_score: float | None
    low_confidence: bool


class SdpCrossing(TypedDict):  # oem.metrics.early_warnings, kind "sdp_crossing"
    kind: str
    relationship_id: int
    customer: str
    quarters_until: int
    projected: float
    threshold: float
    last_score: float
    slope_per_quarter: float
    low_confidence: bool
    projected_year: int
    projected_quarter: int


class ExposureRising(TypedDict):  # oem.metrics.early_warnings, kind "exposure_rising"
    kind: str
    previous: float
    latest: float
    rise: float
    rise_pct: float | None
    quarter: str
    previous_quarter: str


class MaturityValues(TypedDict):  # what scores.figures.maturity scores
    cm_coverage: float | None
    changeover_utilization: float | None
    mtbf_trend_pct: float | None
    penalty_events_2q: int | None
    alert_response_median_hours: float | None
    alert_response_p90_hours: float | None


class MaturityScores(TypedDict):
    cm_coverage: float | None
    changeover: float | None
    mtbf_trend: float | None
    penalty_frequency: float | None


class Maturity(TypedDict):
    values: MaturityValues
    scores: MaturityScores
    composite: float | None


class Gap(TypedDict):  # scores.figures.maturity.gaps_to_standard
    dimension: str
    status: str  # "gap" or "unknown"
    value: float | None
    minimum: NotRequired[float]
    maximum: NotRequired[float]
    shortfall: float | None
    deadline: str | None


class Layer(TypedDict):
    layer: int
    label: str
    value: float
    components: dict[str, float]


class FinancialCase(TypedDict):  # scores.figures.finance.financial_case
    layer1: float
    layer2: float
    layer3: float
    total: float
    production_value_protected: float
    downtime_hours_avoided: float
    value_per_hour: float
    emergency_premium_avoided: float
    penalties_avoided: float
    revenue_protected: float
    missing: list[str]
    layers: list[Layer]


class Tier1Asset(TypedDict):  # scores.figures.site.tier1_reliability
    asset_id: int
    code: str
    name: str
    failures: int
    mtbf_hours: float
    mtbf_censored: bool
    mttr_hours: float | None
    p_failure_12m: float | None
    value_at_risk: float | None


SnapshotDetails = TypedDict(
    "SnapshotDetails",
    {
        Detail.AS_OF.value: str,
        Detail.WINDOWS.value: Windows,
        Detail.MTBF.value: MtbfSummary,
        Detail.MTTR.value: Mttr,
        Detail.MTBF_TREND.value: MtbfTrend,
        Detail.OEE.value: Oee,
        Detail.OEE_BY_LINE.value: list[LineOee],
        # Empty when the site has no production records.
        Detail.PRODUCTION_SUMS.value: ProductionSums | dict,
        Detail.CHANGEOVER.value: Changeover,
        Detail.PM_COMPLETION.value: PmCompletion,
        Detail.CM_COVERAGE.value: CmCoverage,
        Detail.ALERT_RESPONSE.value: AlertResponse,
        Detail.ALERT_CONFIRMATION.value: AlertConfirmation,
        Detail.PENALTY_EXPOSURE.value: PenaltyExposure,
        Detail.ADDRESSABLE_EXPOSURE.value: AddressableExposure,
        Detail.PENALTY_EVENTS_2Q.value: int,
        Detail.EMERGENCY_PREMIUM.value: EmergencyPremium,
        Detail.MAINTENANCE_COST.value: MaintenanceCost,
        Detail.PRODUCTION_VALUE_AT_RISK.value: ProductionValueAtRisk,
        Detail.REVENUE_AT_RISK.value: list[RelationshipRisk],
        Detail.EARLY_WARNINGS.value: list[SdpCrossing | ExposureRising],
        Detail.MATURITY.value: Maturity,
        Detail.GAPS.value: list[Gap],
        Detail.FINANCIAL_CASE.value: FinancialCase,
        Detail.TIER1_ASSETS.value: int,
        Detail.TIER1.value: list[Tier1Asset],
        Detail.HISTORY_START.value: str | None,
    },
)


# --- checking a details against its shape ----------------------------------------------------


def details_problems(details: dict) -> list[str]:
    """What in ``details`` does not match ``SnapshotDetails``: missing keys, keys it does not
    declare, values of another type; each as "path: problem". Empty when it matches."""
    return _problems(details, SnapshotDetails, "details")


def _problems(value, shape, path: str) -> list[str]:
    if shape is typing.Any:
        return []
    if typing.is_typeddict(shape):
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {type(value).__name__}"]
        hints = typing.get_type_hints(shape)
        problems = [f"{path}.{key}: missing" for key in shape.__required_keys__ - set(value)]
        problems += [f"{path}.{key}: not in the shape" for key in set(value) - set(hints)]
        for key in set(value) & set(hints):
            problems += _problems(value[key], hints[key], f"{path}.{key}")
        return problems
    origin = typing.get_origin(shape)
    if origin in (typing.Union, types.UnionType):
        options = [_problems(value, option, path) for option in typing.get_args(shape)]
        if any(not found for found in options):
            return []
        return min(options, key=len)
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {type(value).__name__}"]
        (item,) = typing.get_args(shape)
        return [
            problem
            for i, element in enumerate(value)
            for problem in _problems(element, item, f"{path}[{i}]")
        ]
    if origin is dict or shape is dict:
        return [] if isinstance(value, dict) else [f"{path}: expected an object"]
    if shape is type(None):
        return [] if value is None else [f"{path}: expected null"]
    if shape is float:  # JSON has one number type: 3 is a float too
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected a number, got {value!r}"]
    if shape is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected a whole number, got {value!r}"]
    return [] if isinstance(value, shape) else [f"{path}: expected {shape.__name__}, got {value!r}"]


# --- reading a stored details ----------------------------------------------------------------


def blank(shape):
    """A value of ``shape`` that says "nothing known": None where the shape allows it, else
    an empty object (with its required keys blank), list or string, 0 or False."""
    if typing.is_typeddict(shape):
        hints = _hints(shape)
        return {key: blank(hints[key]) for key in shape.__required_keys__}
    origin = typing.get_origin(shape)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(shape)
        return None if type(None) in options else blank(options[0])
    if origin is list:
        return []
    if origin is dict or shape is dict:
        return {}
    return {str: "", int: 0, float: 0.0, bool: False}[shape]


def complete(details: dict | None) -> SnapshotDetails:
    """``details`` as stored, laid over ``SnapshotDetails``: every key of the shape is there,
    a part missing or stored as null reads as its blank, rows of a list are completed the
    same way, and what the shape does not know is kept. Example: a snapshot stored before
    ``tier1`` existed reads ``tier1`` as []. The stored dicts are copied, not changed."""
    return _laid_over(details, SnapshotDetails)


def complete_part(detail: Detail, value):
    """One top-level part of ``details`` (as a selector reads it alone), laid over its
    shape like ``complete``."""
    return _laid_over(value, _hints(SnapshotDetails)[detail])


# A page reads a snapshot's details on every request, and a large site's hold thousands of
# rows: the walk is planned once per shape (which keys need a look, and what a missing one
# is), so a row that has its keys costs a dict copy.


@functools.cache
def _hints(shape) -> dict:
    return typing.get_type_hints(shape)


@functools.cache
def _plan(shape):
    """How to lay a stored value over ``shape``, as (kind, what the kind needs)."""
    if typing.is_typeddict(shape):
        hints = _hints(shape)
        required = {key: hints[key] for key in shape.__required_keys__}
        walk = {key: hint for key, hint in hints.items() if _plan(hint)[0] != "leaf"}
        return "typed", (required, walk)
    origin = typing.get_origin(shape)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(shape)
        typed = tuple(o for o in options if typing.is_typeddict(o))
        structured = any(_plan(o)[0] != "leaf" for o in options if o is not type(None))
        return ("union", (typed, type(None) in options)) if structured else ("leaf", None)
    if origin is list:
        (item,) = typing.get_args(shape)
        return "list", item if _plan(item)[0] != "leaf" else None
    if origin is dict or shape is dict:
        return "dict", None
    return "leaf", None


def _laid_over(value, shape):
    kind, how = _plan(shape)
    if kind == "typed":
        required, walk = how
        if not isinstance(value, dict):
            return blank(shape)
        out = dict(value)
        for key in required.keys() - out.keys():
            out[key] = blank(required[key])
        for key, hint in walk.items():
            if key in out:
                out[key] = _laid_over(out[key], hint)
        return out
    if kind == "union":
        typed, nullable = how
        if value is None:
            return None if nullable else blank(shape)
        if typed and isinstance(value, dict):  # the option that shares the most keys
            closest = max(typed, key=lambda option: len(value.keys() & _hints(option).keys()))
            return _laid_over(value, closest)
        return value
    if kind == "list":
        if not isinstance(value, list):
            return []
        return value if how is None else [_laid_over(element, how) for element in value]
    if kind == "dict":
        return {} if value is None else value
    return value
