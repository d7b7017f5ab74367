"""Executive language (SPEC §5): one plain sentence per operational figure.

Every function takes plain numbers and names (no Django, no ORM) and returns one sentence,
or ``None`` when the figure itself is ``None`` (or NaN): a figure the data cannot support
never produces a sentence, and never reads as zero.

Formatting rules, shared by the pages and the board slides:

* Money (:func:`format_money`): whole dollars with thousands separators below 1 million
  ("$310,000"); from 1 million on, millions with at most one decimal ("$1.2M", "$18M");
  from 1 billion on, billions the same way ("$2.4B"). USD gets "$"; any other currency
  gets its ISO code and a space as prefix ("EUR 310,000", "EUR 18M"). Negative amounts get
  a leading "-". Rounding is half-up (0.5 goes away from zero), never banker's rounding.
* Percentages (:func:`format_percent`): the fraction × 100, whole percent by default, with
  a space before the sign as SPEC §5 writes it ("35 %").
* Window: when a figure's window is given (e.g. "trailing 12 months to 2026-09-30") it is
  appended in brackets before the final full stop:
  "… in annual OEM penalty exposure (trailing 12 months to 2026-09-30)."

:func:`translation_table` is the one entry point the translation page and the board
appendix slide share.
"""

from __future__ import annotations

import math
import numbers
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "CHANGEOVER_SURFACE_CYCLES",
    "FIGURES",
    "addressable_exposure_sentence",
    "asset_risk_sentence",
    "changeover_sentence",
    "cm_coverage_sentence",
    "emergency_premium_sentence",
    "format_money",
    "format_percent",
    "maintenance_cost_sentence",
    "maturity_sentence",
    "oee_sentence",
    "payback_sentence",
    "penalty_exposure_sentence",
    "production_value_at_risk_sentence",
    "revenue_at_risk_sentence",
    "translation_table",
]

#: Deferred maintenance below the changeover floor surfaces as mid-production failures
#: within this many changeover cycles (the wording of SPEC §5).
CHANGEOVER_SURFACE_CYCLES = 2

_MILLION = Decimal(1_000_000)
_BILLION = Decimal(1_000_000_000)


# --------------------------------------------------------------------------- helpers


def _known(value: Any) -> bool:
    """False for None and for float NaN (what pandas hands over for "no data")."""
    if value is None:
        return False
    if isinstance(value, Decimal):
        return value.is_finite()
    try:
        return not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def _decimal(value: Any) -> Decimal:
    """Exact decimal of a number; floats go through ``repr`` so 1.25 stays 1.25."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, numbers.Integral):  # int, bool, numpy integers
        return Decimal(int(value))
    number = float(value)  # float, numpy floats
    if math.isinf(number):
        raise ValueError(f"cannot format an infinite number: {value!r}")
    return Decimal(repr(number))


def _round_half_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _with_window(text: str, window: str | None) -> str:
    """``text`` (without final stop) + " (window)" when a window is given + "."."""
    if window:
        return f"{text} ({window})."
    return f"{text}."


# --------------------------------------------------------------------------- formatting


def format_money(amount: Any, currency: str = "USD") -> str | None:
    """Money for people, e.g. ``310000 → "$310,000"``, ``18e6 → "$18M"``.

    Rules (amount in the portfolio currency; float, int or Decimal):

    * |amount| rounded half-up to whole units; below 1,000,000 it is shown in full with
      thousands separators: ``309_999.5 → "$310,000"``.
    * from 1,000,000: millions rounded half-up to one decimal, ".0" dropped:
      ``1_250_000 → "$1.3M"``, ``18_000_000 → "$18M"``, ``999_999.5 → "$1M"``.
    * from 1,000,000,000: billions the same way: ``2_400_000_000 → "$2.4B"``; a value that
      rounds to 1000.0 millions is shown as "$1B", never "$1000M".
    * currency "USD" → "$" prefix; any other ISO code → code and a space:
      ``format_money(310000, "EUR") → "EUR 310,000"``.
    * negative → "-" before the number: ``-310000 → "-$310,000"`` / ``"EUR -310,000"``; a
      value that rounds to zero is "$0", never "-$0".

    Edge cases: ``None`` or NaN → ``None`` (unknown stays unknown); ±infinity → ValueError.
    """
    if not _known(amount):
        return None
    value = _decimal(amount)
    code = (currency or "USD").strip().upper()
    whole = _round_half_up(abs(value), 0)
    sign = "-" if value < 0 and whole != 0 else ""
    if whole < _MILLION:
        body = f"{int(whole):,}"
    else:
        millions = _round_half_up(whole / _MILLION, 1)
        if millions < 1000:
            body = f"{_strip_zero(millions)}M"
        else:
            billions = _round_half_up(whole / _BILLION, 1)
            body = f"{_strip_zero(billions)}B"
    if code == "USD":
        return f"{sign}${body}"
    return f"{code} {sign}{body}"


def _strip_zero(value: Decimal) -> str:
    """One-decimal Decimal as text without a trailing ".0" ("18.0" → "18"), with separators."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def format_percent(fraction: Any, digits: int = 0) -> str | None:
    """A fraction as a percentage in SPEC §5 style: ``0.35 → "35 %"``.

    Formula: fraction × 100, rounded half-up to ``digits`` decimals, then " %".
    ``format_percent(0.685) → "69 %"``; ``format_percent(0.0325, digits=1) → "3.3 %"``.
    Values above 1 are shown as they are (``1.2 → "120 %"``); a value that rounds to zero
    is "0 %", never "-0 %". ``None`` or NaN → ``None``.
    """
    if not _known(fraction):
        return None
    value = _round_half_up(_decimal(fraction) * 100, digits)
    if value == 0:
        value = abs(value)
    return f"{value:.{digits}f} %"


def _months(months: Any) -> str:
    value = _round_half_up(_decimal(months), 1)
    return _strip_zero(value)


# --------------------------------------------------------------------------- sentences


def penalty_exposure_sentence(
    site: str, exposure: Any, window: str | None = None, *, currency: str = "USD"
) -> str | None:
    """OEM penalty exposure (annual, trailing 12 months, annualized if history is shorter).

    ``("Site C", 310000) → "Site C carries $310,000 in annual OEM penalty exposure."``
    With a window: "… exposure (trailing 12 months to 2026-09-30)." ``None`` → ``None``.
    """
    if not _known(exposure):
        return None
    money = format_money(exposure, currency)
    return _with_window(f"{site} carries {money} in annual OEM penalty exposure", window)


def format_probability(value, digits: int = 0) -> str:
    """A probability as a percentage that never rounds to certainty or impossibility:
    ``0.999`` → "> 99 %", ``0.001`` → "< 1 %", ``0.5`` → "50 %"; exactly 1 → "100 %",
    exactly 0 → "0 %". With ``digits`` 1: "> 99.9 %", "< 0.1 %"."""
    fraction = float(value)
    shown = format_percent(fraction, digits)
    # The smallest step the display shows, as a fraction: 0.01 for whole percent.
    step = 10.0 ** -(digits + 2)
    if fraction < 1 and shown == format_percent(1, digits):
        return f"> {format_percent(1 - step, digits)}"
    if fraction > 0 and shown == format_percent(0, digits):
        return f"< {format_percent(step, digits)}"
    return shown


def addressable_exposure_sentence(
    site: str, addressable: Any, window: str | None = None, *, currency: str = "USD"
) -> str | None:
    """Addressable exposure: the exposure condition monitoring is expected to remove.

    ``("Site C", 248000) → "Condition monitoring can remove $248,000 of Site C's annual OEM
    penalty exposure."`` ``None`` → ``None``.
    """
    if not _known(addressable):
        return None
    money = format_money(addressable, currency)
    return _with_window(
        f"Condition monitoring can remove {money} of {site}'s annual OEM penalty exposure",
        window,
    )


def asset_risk_sentence(
    site: str, asset: str, consequence: Any, window: str | None = None, *, currency: str = "USD"
) -> str | None:
    """Penalty consequence of a pending failure on one asset.

    ``("Site A", "stamping press motor", 420000)`` → "Site A has a pending failure risk on
    the stamping press motor with $420,000 in estimated penalty consequence."
    ``None`` consequence → ``None``.
    """
    if not _known(consequence):
        return None
    money = format_money(consequence, currency)
    return _with_window(
        f"{site} has a pending failure risk on the {asset} with {money} "
        "in estimated penalty consequence",
        window,
    )


def changeover_sentence(
    site: str,
    utilization: Any,
    minimum: Any,
    window: str | None = None,
    *,
    cycles: int = CHANGEOVER_SURFACE_CYCLES,
) -> str | None:
    """Changeover window utilization (maintenance minutes executed ÷ available, last 4 windows).

    Below ``minimum`` (compared on the raw fractions, not the rounded display):
    ``("Site B", 0.68, 0.80)`` → "Site B is accumulating deferred maintenance (changeover
    utilization 68 %) that will surface as mid-production failures within 2 cycles."
    At or above: "Site B is keeping up with planned maintenance in its changeover windows:
    changeover utilization 85 % against a standard of 80 %." (so a window in brackets
    can follow without doubled brackets).
    ``minimum`` None → a neutral sentence with the figure only; ``utilization`` None → None.
    """
    if not _known(utilization):
        return None
    shown = format_percent(utilization)
    if not _known(minimum):
        return _with_window(
            f"{site} uses {shown} of its changeover window time for maintenance", window
        )
    if float(utilization) < float(minimum):
        text = (
            f"{site} is accumulating deferred maintenance (changeover utilization {shown}) "
            f"that will surface as mid-production failures within {cycles} cycles"
        )
        return _with_window(text, window)
    return _with_window(
        f"{site} is keeping up with planned maintenance in its changeover windows: "
        f"changeover utilization {shown} against a standard of {format_percent(minimum)}",
        window,
    )


def revenue_at_risk_sentence(
    customer: str,
    annual_revenue: Any,
    probability: Any,
    window: str | None = None,
    *,
    currency: str = "USD",
) -> str | None:
    """Preferred-supplier revenue at risk of one OEM relationship.

    ``("Northway Motors", 18e6, 0.35)`` → "The $18M Northway Motors relationship is at 35 %
    probability of entering SDP review without corrective action."
    ``window`` is the projection horizon, e.g. "within 2 quarters". Either number None → None.
    """
    if not (_known(annual_revenue) and _known(probability)):
        return None
    return _with_window(
        f"The {format_money(annual_revenue, currency)} {customer} relationship is at "
        f"{format_probability(probability)} probability of entering SDP review "
        "without corrective action",
        window,
    )


def revenue_at_risk_total_sentence(
    site: str, value: Any, window: str | None, currency: str
) -> str | None:
    """Probability-weighted preferred-supplier revenue at risk of a site or portfolio.

    ``("Site C", 4_200_000, None, "USD")`` → "Site C has $4.2M of probability-weighted
    preferred-supplier revenue at risk of SDP review." ``None`` → None.
    """
    if not _known(value):
        return None
    return _with_window(
        f"{site} has {format_money(value, currency)} of probability-weighted "
        "preferred-supplier revenue at risk of SDP review",
        window,
    )


def maturity_sentence(
    site: str, composite: Any, risk_tier: str | None = None, window: str | None = None
) -> str | None:
    """Maturity composite (0–100, weighted mean of the four dimensions) and risk tier.

    ``("Site A", 61.6, "medium")`` → "Site A scores 62 of 100 on reliability maturity
    against the shared standard, in the medium risk tier." Composite rounded half-up to a whole
    number. ``risk_tier`` None → sentence without the tier; composite None → None.
    """
    if not _known(composite):
        return None
    score = _strip_zero(_round_half_up(_decimal(composite), 0))
    text = f"{site} scores {score} of 100 on reliability maturity against the shared standard"
    if risk_tier:
        text += f", in the {risk_tier} risk tier"
    return _with_window(text, window)


def cm_coverage_sentence(
    site: str, coverage: Any, minimum: Any, window: str | None = None
) -> str | None:
    """Condition-monitoring coverage of Tier 1 assets (fresh-sensor Tier 1 ÷ Tier 1).

    Below ``minimum``: ``("Site A", 0.75, 0.90)`` → "Site A monitors 75 % of its Tier 1
    assets against a 90 % standard: failures on the other 25 % arrive without warning."
    At or above: "Site A monitors 95 % of its Tier 1 assets, meeting the 90 % standard."
    ``minimum`` None → the figure alone; ``coverage`` None → None.
    """
    if not _known(coverage):
        return None
    shown = format_percent(coverage)
    if not _known(minimum):
        return _with_window(f"{site} monitors {shown} of its Tier 1 assets", window)
    if float(coverage) < float(minimum):
        blind = format_percent(1 - _decimal(coverage))
        return _with_window(
            f"{site} monitors {shown} of its Tier 1 assets against a "
            f"{format_percent(minimum)} standard: failures on the other {blind} "
            "arrive without warning",
            window,
        )
    return _with_window(
        f"{site} monitors {shown} of its Tier 1 assets, meeting the "
        f"{format_percent(minimum)} standard",
        window,
    )


def emergency_premium_sentence(
    site: str, premium: Any, window: str | None = None, *, currency: str = "USD"
) -> str | None:
    """Emergency repair premium: emergency cost × (1 − 1/factor).

    ``("Site A", 120000)`` → "Site A paid $120,000 more for emergency repairs than the
    same work would have cost planned." ``None`` → None.
    """
    if not _known(premium):
        return None
    return _with_window(
        f"{site} paid {format_money(premium, currency)} more for emergency repairs than "
        "the same work would have cost planned",
        window,
    )


def production_value_at_risk_sentence(
    site: str, value: Any, window: str | None = None, *, currency: str = "USD"
) -> str | None:
    """Production value at risk: Σ Tier 1 P(failure, 12 months) × downtime h × value per h.

    ``("Site A", 1_240_000)`` → "Site A has $1.2M of production value at risk from Tier 1
    asset failures over the next 12 months." ``None`` → None.
    """
    if not _known(value):
        return None
    return _with_window(
        f"{site} has {format_money(value, currency)} of production value at risk from "
        "Tier 1 asset failures over the next 12 months",
        window,
    )


def payback_sentence(
    site: str, investment: Any, months: Any, window: str | None = None, *, currency: str = "USD"
) -> str | None:
    """Payback of a monitoring investment: months = investment ÷ (addressable × reduction ÷ 12).

    ``("Site A", 95000, 3.39)`` → "A $95,000 condition-monitoring program at Site A pays
    back in 3.4 months." Months rounded half-up to one decimal ("12 months", not "12.0").
    Either number None (e.g. no addressable exposure, so no payback) → None.
    """
    if not (_known(investment) and _known(months)):
        return None
    return _with_window(
        f"A {format_money(investment, currency)} condition-monitoring program at {site} "
        f"pays back in {_months(months)} months",
        window,
    )


def oee_sentence(site: str, oee: Any, window: str | None = None) -> str | None:
    """OEE = availability × performance × quality (fraction 0–1, time-weighted).

    ``("Site A", 0.62)`` → "Site A runs at 62 % OEE: 38 % of its planned production
    capacity is lost to stops, slow cycles and scrap." OEE ≥ 1 → "Site A runs at 100 %
    OEE." (nothing lost). ``None`` → None.
    """
    if not _known(oee):
        return None
    value = _decimal(oee)
    if value >= 1:
        return _with_window(f"{site} runs at {format_percent(value)} OEE", window)
    return _with_window(
        f"{site} runs at {format_percent(value)} OEE: {format_percent(1 - value)} of its "
        "planned production capacity is lost to stops, slow cycles and scrap",
        window,
    )


def maintenance_cost_sentence(site: str, pct_revenue: Any, window: str | None = None) -> str | None:
    """Maintenance cost as a share of revenue: maintenance spend ÷ revenue, trailing 12 months.

    ``pct_revenue`` is a FRACTION (0.032 = 3.2 %), like every ratio in this project; shown
    with one decimal because the figure lives in the low single digits.
    ``("Site A", 0.032)`` → "Site A spends 3.2 % of its revenue on maintenance."
    ``None`` → None.
    """
    if not _known(pct_revenue):
        return None
    return _with_window(
        f"{site} spends {format_percent(pct_revenue, digits=1)} of its revenue on maintenance",
        window,
    )


# --------------------------------------------------------------------------- the table

#: The figures of the translation table, in display order: key → (label, kind).
#: kind: "money", "percent" (whole percent), "percent1" (one decimal), "score" (0–100).
FIGURES: dict[str, tuple[str, str]] = {
    "penalty_exposure": ("OEM penalty exposure", "money"),
    "addressable_exposure": ("Addressable exposure", "money"),
    "emergency_premium": ("Emergency repair premium", "money"),
    "production_value_at_risk": ("Production value at risk", "money"),
    "revenue_at_risk": ("Preferred-supplier revenue at risk", "money"),
    "maturity_composite": ("Maturity composite", "score"),
    "cm_coverage": ("Condition-monitoring coverage (Tier 1)", "percent"),
    "changeover_utilization": ("Changeover window utilization", "percent"),
    "oee": ("OEE", "percent"),
    "maintenance_cost_pct_revenue": ("Maintenance cost % of revenue", "percent1"),
}

_TABLE_NAMES = {"currency", "window", "windows", "customer"}


def _display(kind: str, value: Any, currency: str) -> str | None:
    if kind == "money":
        return format_money(value, currency)
    if kind == "percent":
        return format_percent(value)
    if kind == "percent1":
        return format_percent(value, digits=1)
    return f"{_strip_zero(_round_half_up(_decimal(value), 0))} / 100"


def translation_table(figures: dict, site: str, **names: Any) -> list[dict]:
    """Metric → sentence rows for one site: the translation page and the board slide.

    ``figures`` maps the keys of :data:`FIGURES` to their values (money in the portfolio
    currency, ratios as fractions 0–1, maturity 0–100), plus optional context keys:

    * ``risk_tier`` — used in the maturity_composite sentence;
    * ``cm_coverage_minimum``, ``changeover_minimum`` — the standard's floors (fractions);
    * ``relationship_revenue`` and ``sdp_probability`` — with the ``customer`` name, the
      revenue_at_risk row uses the SPEC §5 relationship sentence ("The $18M Northway Motors
      relationship is at 35 % probability …"); otherwise a site-level sentence on the total.

    ``names`` (keyword only): ``currency`` (ISO code, default "USD"), ``window`` (default
    window text for every figure), ``windows`` (dict metric → window text, wins over
    ``window``), ``customer`` (OEM name for the revenue_at_risk sentence). Any other name is
    a TypeError (a typo must not silently drop a window).

    Returns one row per figure that is present and known, in :data:`FIGURES` order:
    ``{metric, label, value, display, sentence, window}``; ``value`` is passed through as
    given. A figure that is absent, None or NaN gives no row: unknown never becomes a
    sentence, and never a zero.
    """
    unknown = set(names) - _TABLE_NAMES
    if unknown:
        raise TypeError(f"translation_table() got unexpected names: {sorted(unknown)}")
    currency = names.get("currency") or "USD"
    default_window = names.get("window")
    windows = names.get("windows") or {}
    customer = names.get("customer")

    rows = []
    for metric, (label, kind) in FIGURES.items():
        value = figures.get(metric)
        if not _known(value):
            continue
        window = windows.get(metric, default_window)
        sentence = _sentence(metric, value, figures, site, window, currency, customer)
        rows.append(
            {
                "metric": metric,
                "label": label,
                "value": value,
                "display": _display(kind, value, currency),
                "sentence": sentence,
                "window": window,
            }
        )
    return rows


def _sentence(
    metric: str,
    value: Any,
    figures: dict,
    site: str,
    window: str | None,
    currency: str,
    customer: str | None,
) -> str | None:
    if metric == "penalty_exposure":
        return penalty_exposure_sentence(site, value, window, currency=currency)
    if metric == "addressable_exposure":
        return addressable_exposure_sentence(site, value, window, currency=currency)
    if metric == "emergency_premium":
        return emergency_premium_sentence(site, value, window, currency=currency)
    if metric == "production_value_at_risk":
        return production_value_at_risk_sentence(site, value, window, currency=currency)
    if metric == "revenue_at_risk":
        revenue = figures.get("relationship_revenue")
        probability = figures.get("sdp_probability")
        if customer and _known(revenue) and _known(probability):
            return revenue_at_risk_sentence(
                customer, revenue, probability, window, currency=currency
            )
        return revenue_at_risk_total_sentence(site, value, window, currency)
    if metric == "maturity_composite":
        return maturity_sentence(site, value, figures.get("risk_tier"), window)
    if metric == "cm_coverage":
        return cm_coverage_sentence(site, value, figures.get("cm_coverage_minimum"), window)
    if metric == "changeover_utilization":
        return changeover_sentence(site, value, figures.get("changeover_minimum"), window)
    if metric == "oee":
        return oee_sentence(site, value, window)
    return maintenance_cost_sentence(site, value, window)
