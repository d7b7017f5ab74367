"""Executive language (SPEC §5): money and percent formats, one sentence per figure, the
translation table. Plain pytest, no database."""

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import language as lang

WINDOW = "trailing 12 months to 2026-09-30"


# --------------------------------------------------------------------------- SPEC §5 verbatim


def test_spec_example_penalty_exposure():
    assert (
        lang.penalty_exposure_sentence("Site C", 310_000)
        == "Site C carries $310,000 in annual OEM penalty exposure."
    )


def test_spec_example_asset_risk():
    assert lang.asset_risk_sentence("Site A", "stamping press motor", 420_000) == (
        "Site A has a pending failure risk on the stamping press motor with $420,000 "
        "in estimated penalty consequence."
    )


def test_spec_example_changeover_below_minimum():
    assert lang.changeover_sentence("Site B", 0.68, 0.80) == (
        "Site B is accumulating deferred maintenance (changeover utilization 68 %) "
        "that will surface as mid-production failures within 2 cycles."
    )


def test_spec_example_revenue_at_risk():
    assert lang.revenue_at_risk_sentence("Northway Motors", 18_000_000, 0.35) == (
        "The $18M Northway Motors relationship is at 35 % probability of entering "
        "SDP review without corrective action."
    )


# --------------------------------------------------------------------------- format_money


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (310_000, "$310,000"),
        (Decimal("310000.00"), "$310,000"),
        (309_999.5, "$310,000"),  # half-up to whole dollars
        (1_234.49, "$1,234"),
        (2.5, "$3"),  # half-up, not banker's (round(2.5) would be 2)
        (0, "$0"),
        (950, "$950"),
        (999_999.49, "$999,999"),
        (999_999.5, "$1M"),  # rounds to 1,000,000 → millions style
        (1_000_000, "$1M"),
        (1_200_000, "$1.2M"),
        (1_250_000, "$1.3M"),  # 1.25 half-up → 1.3
        (1_240_000, "$1.2M"),
        (18_000_000, "$18M"),
        (18_040_000, "$18M"),  # 18.04 → 18.0 → "18"
        (123_456_789, "$123.5M"),
        (999_960_000, "$1B"),  # 999.96M would read "$1,000M": billions instead
        (2_400_000_000, "$2.4B"),
        (np.float64(420_000.0), "$420,000"),
        (-310_000, "-$310,000"),
        (-0.4, "$0"),  # rounds to zero: no "-$0"
    ],
)
def test_format_money_usd(amount, expected):
    assert lang.format_money(amount) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (310_000, "EUR", "EUR 310,000"),
        (18_000_000, "EUR", "EUR 18M"),
        (1_200_000, "gbp", "GBP 1.2M"),
        (-310_000, "EUR", "EUR -310,000"),
        (310_000, "usd", "$310,000"),
    ],
)
def test_format_money_other_currencies(amount, currency, expected):
    assert lang.format_money(amount, currency) == expected


def test_format_money_unknown_is_none_and_infinity_is_an_error():
    assert lang.format_money(None) is None
    assert lang.format_money(float("nan")) is None
    with pytest.raises(ValueError):
        lang.format_money(float("inf"))


# --------------------------------------------------------------------------- format_percent


@pytest.mark.parametrize(
    ("fraction", "kwargs", "expected"),
    [
        (0.35, {}, "35 %"),
        (0.68, {}, "68 %"),  # 0.68 × 100 = 68.00000000000001 in floats; exact here
        (0.685, {}, "69 %"),  # half-up
        (0.004, {}, "0 %"),
        (-0.001, {}, "0 %"),  # no "-0 %"
        (1.2, {}, "120 %"),
        (1, {}, "100 %"),
        (0.0325, {"digits": 1}, "3.3 %"),  # 3.25 half-up
        (Decimal("0.9"), {}, "90 %"),
    ],
)
def test_format_percent(fraction, kwargs, expected):
    assert lang.format_percent(fraction, **kwargs) == expected


def test_format_percent_unknown():
    assert lang.format_percent(None) is None
    assert lang.format_percent(float("nan")) is None


# --------------------------------------------------------------------------- sentences


def test_window_goes_in_brackets_before_the_stop():
    assert lang.penalty_exposure_sentence("Site C", 310_000, WINDOW) == (
        "Site C carries $310,000 in annual OEM penalty exposure (trailing 12 months to 2026-09-30)."
    )
    assert lang.penalty_exposure_sentence("Site C", 310_000, currency="EUR") == (
        "Site C carries EUR 310,000 in annual OEM penalty exposure."
    )


def test_changeover_at_or_above_minimum_is_positive():
    # 0.8 is not below 0.8
    assert lang.changeover_sentence("Site B", 0.80, 0.80) == (
        "Site B is keeping up with planned maintenance in its changeover windows: "
        "changeover utilization 80 % against a standard of 80 %."
    )
    # With its window, one pair of brackets.
    assert lang.changeover_sentence("Site B", 0.8, 0.8, "last 4 windows").endswith(
        "against a standard of 80 % (last 4 windows)."
    )
    assert "deferred" not in lang.changeover_sentence("Site B", 0.93, 0.8)


def test_changeover_compares_raw_values_and_minimum_unknown():
    # 0.799 < 0.8 even though both display as 80 %
    assert "deferred maintenance" in lang.changeover_sentence("Site B", 0.799, 0.8)
    assert lang.changeover_sentence("Site B", 0.68, None) == (
        "Site B uses 68 % of its changeover window time for maintenance."
    )
    assert lang.changeover_sentence("Site B", 0.5, 0.8, cycles=3).endswith("within 3 cycles.")


def test_revenue_at_risk_with_window():
    assert lang.revenue_at_risk_sentence("Northway Motors", 1.2e6, 0.05, "within 4 quarters") == (
        "The $1.2M Northway Motors relationship is at 5 % probability of entering "
        "SDP review without corrective action (within 4 quarters)."
    )


def test_maturity_sentence():
    # 61.6 → 62 (half-up)
    assert lang.maturity_sentence("Site A", 61.6, "medium") == (
        "Site A scores 62 of 100 on reliability maturity against the shared standard, "
        "in the medium risk tier."
    )
    assert lang.maturity_sentence("Site A", 82.5) == (
        "Site A scores 83 of 100 on reliability maturity against the shared standard."
    )


def test_cm_coverage_sentence():
    # below: 1 − 0.75 = 25 % unmonitored
    assert lang.cm_coverage_sentence("Site A", 0.75, 0.90) == (
        "Site A monitors 75 % of its Tier 1 assets against a 90 % standard: failures on "
        "the other 25 % arrive without warning."
    )
    assert lang.cm_coverage_sentence("Site A", 0.95, 0.90) == (
        "Site A monitors 95 % of its Tier 1 assets, meeting the 90 % standard."
    )
    assert lang.cm_coverage_sentence("Site A", 0.9, 0.9).endswith("meeting the 90 % standard.")
    assert lang.cm_coverage_sentence("Site A", 0.5, None) == (
        "Site A monitors 50 % of its Tier 1 assets."
    )


def test_emergency_premium_sentence():
    # emergency cost 180,000, factor 3 → premium 180,000 × (1 − 1/3) = 120,000
    assert lang.emergency_premium_sentence("Site A", 180_000 * (1 - 1 / 3), WINDOW) == (
        "Site A paid $120,000 more for emergency repairs than the same work would have "
        "cost planned (trailing 12 months to 2026-09-30)."
    )


def test_production_value_at_risk_sentence():
    assert lang.production_value_at_risk_sentence("Site A", 1_240_000) == (
        "Site A has $1.2M of production value at risk from Tier 1 asset failures over "
        "the next 12 months."
    )


def test_payback_sentence_spec_example():
    # SPEC §3: 95,000 ÷ (420,000 × 0.8 ÷ 12) = 95,000 ÷ 28,000 = 3.39 → 3.4 months
    months = 95_000 / (420_000 * 0.8 / 12)
    assert lang.payback_sentence("Site A", 95_000, months) == (
        "A $95,000 condition-monitoring program at Site A pays back in 3.4 months."
    )
    assert lang.payback_sentence("Site A", 95_000, 12.0).endswith("pays back in 12 months.")


def test_oee_sentence():
    # 1 − 0.62 = 0.38
    assert lang.oee_sentence("Site A", 0.62) == (
        "Site A runs at 62 % OEE: 38 % of its planned production capacity is lost to "
        "stops, slow cycles and scrap."
    )
    assert lang.oee_sentence("Site A", 1.0) == "Site A runs at 100 % OEE."


def test_maintenance_cost_sentence_takes_a_fraction():
    assert lang.maintenance_cost_sentence("Site A", 0.032, WINDOW) == (
        "Site A spends 3.2 % of its revenue on maintenance (trailing 12 months to 2026-09-30)."
    )


def test_addressable_exposure_sentence():
    # 310,000 linked to detectable modes × 0.8 = 248,000
    assert lang.addressable_exposure_sentence("Site C", 310_000 * 0.8) == (
        "Condition monitoring can remove $248,000 of Site C's annual OEM penalty exposure."
    )


@pytest.mark.parametrize("unknown", [None, float("nan")])
def test_unknown_figures_never_produce_a_sentence(unknown):
    assert lang.penalty_exposure_sentence("Site C", unknown, WINDOW) is None
    assert lang.addressable_exposure_sentence("Site C", unknown) is None
    assert lang.asset_risk_sentence("Site A", "press", unknown) is None
    assert lang.changeover_sentence("Site B", unknown, 0.8) is None
    assert lang.revenue_at_risk_sentence("Northway", unknown, 0.35) is None
    assert lang.revenue_at_risk_sentence("Northway", 18e6, unknown) is None
    assert lang.maturity_sentence("Site A", unknown, "medium") is None
    assert lang.cm_coverage_sentence("Site A", unknown, 0.9) is None
    assert lang.emergency_premium_sentence("Site A", unknown) is None
    assert lang.production_value_at_risk_sentence("Site A", unknown) is None
    assert lang.payback_sentence("Site A", 95_000, unknown) is None
    assert lang.payback_sentence("Site A", unknown, 3.4) is None
    assert lang.oee_sentence("Site A", unknown) is None
    assert lang.maintenance_cost_sentence("Site A", unknown) is None


# --------------------------------------------------------------------------- translation table


def test_translation_table_rows_in_fixed_order_with_display_and_sentence():
    figures = {
        "oee": 0.62,
        "penalty_exposure": Decimal("310000.00"),
        "maturity_composite": 61.6,
        "risk_tier": "medium",
        "changeover_utilization": 0.68,
        "changeover_minimum": 0.8,
        "emergency_premium": None,  # unknown: no row
        "maintenance_cost_pct_revenue": float("nan"),  # unknown: no row
    }
    rows = lang.translation_table(
        figures, "Site C", window=WINDOW, windows={"changeover_utilization": "last 4 windows"}
    )
    assert [r["metric"] for r in rows] == [
        "penalty_exposure",
        "maturity_composite",
        "changeover_utilization",
        "oee",
    ]
    exposure, maturity, changeover, oee = rows
    assert exposure == {
        "metric": "penalty_exposure",
        "label": "OEM penalty exposure",
        "value": Decimal("310000.00"),
        "display": "$310,000",
        "sentence": (
            "Site C carries $310,000 in annual OEM penalty exposure "
            "(trailing 12 months to 2026-09-30)."
        ),
        "window": WINDOW,
    }
    assert maturity["display"] == "62 / 100"
    assert maturity["sentence"] == (
        "Site C scores 62 of 100 on reliability maturity against the shared standard, "
        "in the medium risk tier (trailing 12 months to 2026-09-30)."
    )
    assert changeover["display"] == "68 %"
    assert changeover["sentence"] == (
        "Site C is accumulating deferred maintenance (changeover utilization 68 %) that "
        "will surface as mid-production failures within 2 cycles (last 4 windows)."
    )
    assert oee["display"] == "62 %"
    assert all(r["sentence"] for r in rows)


def test_translation_table_every_figure():
    figures = {
        "penalty_exposure": 310_000,
        "addressable_exposure": 248_000,
        "emergency_premium": 120_000,
        "production_value_at_risk": 1_240_000,
        "revenue_at_risk": 6_300_000,  # Σ revenue × P
        "maturity_composite": 70,
        "cm_coverage": 0.75,
        "cm_coverage_minimum": 0.9,
        "changeover_utilization": 0.85,
        "changeover_minimum": 0.8,
        "oee": 0.62,
        "maintenance_cost_pct_revenue": 0.032,
    }
    rows = lang.translation_table(figures, "Site A", currency="EUR")
    assert [r["metric"] for r in rows] == list(lang.FIGURES)
    displays = {r["metric"]: r["display"] for r in rows}
    assert displays == {
        "penalty_exposure": "EUR 310,000",
        "addressable_exposure": "EUR 248,000",
        "emergency_premium": "EUR 120,000",
        "production_value_at_risk": "EUR 1.2M",
        "revenue_at_risk": "EUR 6.3M",
        "maturity_composite": "70 / 100",
        "cm_coverage": "75 %",
        "changeover_utilization": "85 %",
        "oee": "62 %",
        "maintenance_cost_pct_revenue": "3.2 %",
    }
    sentences = {r["metric"]: r["sentence"] for r in rows}
    assert sentences["revenue_at_risk"] == (
        "Site A has EUR 6.3M of probability-weighted preferred-supplier revenue at risk "
        "of SDP review."
    )
    assert "against a 90 % standard" in sentences["cm_coverage"]
    assert sentences["changeover_utilization"].startswith("Site A is keeping up")
    assert all(r["window"] is None and r["sentence"].endswith(".") for r in rows)


def test_translation_table_revenue_at_risk_uses_the_relationship_sentence():
    figures = {"revenue_at_risk": 6_300_000, "relationship_revenue": 18e6, "sdp_probability": 0.35}
    (row,) = lang.translation_table(figures, "Site A", customer="Northway Motors")
    assert row["display"] == "$6.3M"
    assert row["sentence"] == lang.revenue_at_risk_sentence("Northway Motors", 18e6, 0.35)


def test_translation_table_empty_and_unknown_names():
    assert lang.translation_table({}, "Site A") == []
    assert lang.translation_table({k: None for k in lang.FIGURES}, "Site A") == []
    with pytest.raises(TypeError):
        lang.translation_table({"oee": 0.6}, "Site A", windw=WINDOW)


# --------------------------------------------------------------------------- properties


@given(st.floats(min_value=-1e13, max_value=1e13, allow_nan=False))
def test_format_money_shape(amount):
    text = lang.format_money(amount)
    body = text.removeprefix("-").removeprefix("$")
    assert text.startswith(("$", "-$"))
    if abs(amount) < 999_999.5:
        assert body.replace(",", "").isdigit()
    else:
        assert body[-1] in "MB" and not body.endswith(".0M") and not body.endswith(".0B")


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_every_figure_sentence_ends_with_a_stop(fraction):
    figures = {key: fraction for key in lang.FIGURES}
    rows = lang.translation_table(figures, "Site A", window=WINDOW)
    assert len(rows) == len(lang.FIGURES)
    assert all(r["sentence"].endswith(f"({WINDOW}).") for r in rows)


def test_numpy_numbers_are_formatted():
    assert lang.format_money(np.int64(310_000)) == "$310,000"
    assert lang.format_percent(np.float32(0.5)) == "50 %"
    assert lang.oee_sentence("Site A", np.float64(0.62)).startswith("Site A runs at 62 % OEE: 38 %")


def test_a_probability_short_of_certain_never_reads_certain_in_a_sentence():
    from core.language import format_probability, revenue_at_risk_sentence

    assert [format_probability(p) for p in (0.999, 0.001, 0.5, 1, 0)] == [
        "> 99 %",
        "< 1 %",
        "50 %",
        "100 %",
        "0 %",
    ]
    assert revenue_at_risk_sentence("Northway Motors", 18e6, 0.999) == (
        "The $18M Northway Motors relationship is at > 99 % probability of entering SDP "
        "review without corrective action."
    )
