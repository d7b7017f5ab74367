"""Weibull, Crow-AMSAA, failure probabilities and MTBF trend in reliability.statistics.

Hand-worked where a closed form exists; the Weibull MLE is checked against a brute-force
likelihood grid on published data and against a large seeded sample with known parameters.
"""

import math

import numpy as np
import pandas as pd
import pytest

from core.frames import ScoringError
from reliability.statistics import (
    crow_amsaa,
    exponential_failure_probability,
    mtbf_trend,
    time_between_failures,
    weibull_failure_probability,
    weibull_fit,
)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def failures(*rows) -> pd.DataFrame:
    """Rows of (asset_id, started_at, ended_at or None[, "open"])."""
    return pd.DataFrame(
        {
            "asset_id": [row[0] for row in rows],
            "started_at": pd.to_datetime([row[1] for row in rows], utc=True),
            "ended_at": pd.to_datetime([row[2] for row in rows], utc=True),
            "is_open": [len(row) > 3 and row[3] == "open" for row in rows],
        }
    )


# Proschan (1963), Technometrics 5, 375-383: intervals (h) between air-conditioning failures
# of one Boeing 720 (R boot::aircondit, via Cox & Snell 1981), all observed failures.
PROSCHAN_AIRCONDIT_HOURS = [3, 5, 7, 18, 43, 85, 91, 98, 100, 130, 230, 487]


def weibull_log_likelihood(beta, eta, times, observed):
    """ℓ(β, η) = Σδ[ln β − β ln η + (β−1) ln t] − Σ(t/η)^β, broadcast over β and η arrays."""
    t = np.asarray(times, dtype=float)
    d = np.asarray(observed, dtype=bool)
    beta, eta = np.asarray(beta, dtype=float)[..., None], np.asarray(eta, dtype=float)[..., None]
    failed = (np.log(beta) - beta * np.log(eta) + (beta - 1) * np.log(t)) * d
    return failed.sum(axis=-1) - ((t / eta) ** beta).sum(axis=-1)


# --------------------------------------------------------------------------------------
# weibull_fit
# --------------------------------------------------------------------------------------


def test_weibull_fit_needs_five_failures():
    # 4 failures and any number of survivors: no fit
    assert weibull_fit([10, 20, 30, 40, 50, 60], [True, True, True, True, False, False]) is None
    assert weibull_fit([], []) is None


def test_weibull_fit_on_proschan_data_is_the_likelihood_maximum():
    times = PROSCHAN_AIRCONDIT_HOURS
    fit = weibull_fit(times, [True] * len(times))
    assert fit["failures"] == 12 and fit["censored"] == 0

    # brute force, independent of the profile equation: the best point of a fine grid
    betas = np.linspace(0.5, 1.5, 1001)
    etas = np.linspace(50, 200, 1501)
    grid = weibull_log_likelihood(betas[:, None], etas[None, :], times, [True] * len(times))
    i, j = np.unravel_index(np.argmax(grid), grid.shape)
    assert fit["beta"] == pytest.approx(betas[i], abs=2e-3)  # grid step 0.001
    assert fit["eta"] == pytest.approx(etas[j], abs=0.2)  # grid step 0.1 h
    best = weibull_log_likelihood(fit["beta"], fit["eta"], times, [True] * len(times))
    assert best >= grid.max() - 1e-9

    # η closes the other likelihood equation: η^β = Σ t^β / r
    t = np.asarray(times, dtype=float)
    assert fit["eta"] == pytest.approx(((t ** fit["beta"]).sum() / 12) ** (1 / fit["beta"]))
    # decreasing failure rate, as Proschan's title says (β < 1), for this aircraft
    assert fit["beta"] < 1


def test_weibull_fit_is_scale_equivariant_and_drops_non_positive_times():
    times = np.array(PROSCHAN_AIRCONDIT_HOURS, dtype=float)
    observed = np.array([True] * 10 + [False] * 2)  # the two longest survived
    base = weibull_fit(times, observed)
    scaled = weibull_fit(times * 10, observed)
    assert scaled["beta"] == pytest.approx(base["beta"], rel=1e-9)
    assert scaled["eta"] == pytest.approx(base["eta"] * 10, rel=1e-9)
    assert base["censored"] == 2
    padded = weibull_fit(np.append(times, [0.0, -3.0]), np.append(observed, [True, True]))
    assert padded["dropped"] == 2
    assert padded["beta"] == pytest.approx(base["beta"])
    # censoring the two longest times raises η above the all-observed fit
    assert base["eta"] > weibull_fit(times, [True] * 12)["eta"]


def test_weibull_fit_degenerate_sample_and_bad_lengths():
    # five identical failure times: the likelihood grows without bound in β
    assert weibull_fit([100.0] * 5, [True] * 5) is None
    with pytest.raises(ValueError):
        weibull_fit([1.0, 2.0], [True])


@pytest.mark.parametrize(("beta", "eta"), [(1.8, 500.0), (0.7, 2000.0), (1.0, 300.0)])
def test_weibull_fit_recovers_known_parameters_with_censoring(beta, eta):
    # over 40 seeds at n = 6000 the estimates were unbiased with σ ≤ 1.9 % (η at β = 0.7);
    # at n = 20000 σ is about 1 %, so 4 % is a 4σ margin, not luck with this seed
    rng = np.random.default_rng(20260101)
    n = 20_000
    life = eta * rng.weibull(beta, n)
    # random right-censoring: each unit is observed until a uniform time in [0, 3η)
    stop = rng.uniform(0, 3 * eta, n)
    fit = weibull_fit(np.minimum(life, stop), life <= stop)
    assert 0.1 < fit["censored"] / n < 0.6
    assert fit["beta"] == pytest.approx(beta, rel=0.04)
    assert fit["eta"] == pytest.approx(eta, rel=0.04)


# --------------------------------------------------------------------------------------
# failure probabilities
# --------------------------------------------------------------------------------------


def test_weibull_failure_probability():
    # β = 1, η = 8760 h, one year: 1 - e^-1 = 0.632121
    assert weibull_failure_probability(1.0, 8760) == pytest.approx(0.632121, abs=1e-6)
    # β = 2, η = 17520 h: (8760/17520)^2 = 0.25 -> 1 - e^-0.25 = 0.221199
    assert weibull_failure_probability(2.0, 17520) == pytest.approx(0.221199, abs=1e-6)
    # β = 0.5, η = 100 h over 400 h: (4)^0.5 = 2 -> 1 - e^-2 = 0.864665
    assert weibull_failure_probability(0.5, 100, horizon_hours=400) == pytest.approx(
        0.864665, abs=1e-6
    )
    assert weibull_failure_probability(2.0, 100, horizon_hours=0) == 0.0
    assert weibull_failure_probability(None, 100) is None
    assert weibull_failure_probability(1.0, 0) is None


def test_exponential_failure_probability():
    # MTBF 4380 h over 8760 h: 1 - e^-2 = 0.864665
    assert exponential_failure_probability(4380) == pytest.approx(0.864665, abs=1e-6)
    # MTBF 876 h over 87.6 h: 1 - e^-0.1 = 0.0951626
    assert exponential_failure_probability(876, horizon_hours=87.6) == pytest.approx(
        0.0951626, abs=1e-7
    )
    assert exponential_failure_probability(None) is None
    assert exponential_failure_probability(0) is None
    assert exponential_failure_probability(-5) is None
    assert exponential_failure_probability(float("nan")) is None
    # Weibull with β = 1 is the exponential
    assert weibull_failure_probability(1.0, 4380) == pytest.approx(
        exponential_failure_probability(4380)
    )


# --------------------------------------------------------------------------------------
# time_between_failures
# --------------------------------------------------------------------------------------


def test_time_between_failures_hand_worked():
    start, end = ts("2026-01-01"), ts("2026-01-04")  # 72 h window
    log = failures(
        # asset 1 failures at 10 h and 34 h from the window start, 2 h repairs each;
        # the first one logged on two rows (one event)
        (1, "2026-01-01 10:00", "2026-01-01 12:00"),
        (1, "2026-01-01 10:00", "2026-01-01 11:00"),
        (1, "2026-01-02 10:00", "2026-01-02 12:00"),
        # asset 2: one failure at 24 h, still down (open): down 24 h -> 72 h
        (2, "2026-01-02 00:00", None, "open"),
        # asset 4: a failure before the window, ended 2 h into it
        (4, "2025-12-31 20:00", "2026-01-01 02:00"),
    )
    table = time_between_failures(log, start, end, asset_ids=[3])
    assert list(table.columns) == ["asset_id", "hours", "observed"]
    rows = list(table.itertuples(index=False, name=None))
    assert rows == [
        # asset 1: 10 h -> 34 h is 24 h minus the 2 h repair = 22 h, observed;
        # 34 h -> 72 h is 38 h minus 2 h = 36 h, censored (survived to the window end)
        (1, 22.0, True),
        (1, 36.0, False),
        # asset 2: from its failure at 24 h it never ran again: 0 h censored
        (2, 0.0, False),
        # asset 4: no failure in the window: the whole 72 h less its 2 h down, censored
        (4, 70.0, False),
        # asset 3: asked for, no failures at all: 72 h censored
        (3, 72.0, False),
    ]
    assert table["observed"].dtype == bool


def test_time_between_failures_empty():
    table = time_between_failures(pd.DataFrame(), ts("2026-01-01"), ts("2026-01-02"))
    assert table.empty
    assert list(table.columns) == ["asset_id", "hours", "observed"]


def test_time_between_failures_feeds_weibull_fit_on_proschan_data():
    # the published intervals as a failure log with 1 h repairs, window to the last failure
    # start + 100 h: observed rows are intervals 2..12 (the first one starts at the window
    # start, whose age is unknown, so it is left out), then a 99 h censored tail
    start = ts("1963-01-01")
    clock, rows = start, []
    for hours in PROSCHAN_AIRCONDIT_HOURS:
        clock += pd.Timedelta(hours=hours)
        rows.append(("7913", clock, clock + pd.Timedelta(hours=1)))
        clock += pd.Timedelta(hours=1)
    end = rows[-1][1] + pd.Timedelta(hours=100)
    table = time_between_failures(failures(*rows), start, end)
    observed = table.loc[table["observed"], "hours"].tolist()
    assert observed == pytest.approx(PROSCHAN_AIRCONDIT_HOURS[1:])
    assert table.loc[~table["observed"], "hours"].tolist() == pytest.approx([99.0])
    fit = weibull_fit(table["hours"], table["observed"])
    assert fit["failures"] == 11 and fit["censored"] == 1


# --------------------------------------------------------------------------------------
# crow_amsaa
# --------------------------------------------------------------------------------------


def test_crow_amsaa_hand_worked():
    # failures at 100 h and 400 h, observed to 1000 h:
    # Σ ln(T/t) = ln 10 + ln 2.5 = 2.302585 + 0.916291 = 3.218876; β = 2 / 3.218876 = 0.621335
    # λ = 2 / 1000^0.621335 = 2 / 73.0 ... computed below from β
    fit = crow_amsaa([100, 400], 1000)
    assert fit["beta"] == pytest.approx(0.621335, abs=1e-6)
    assert fit["lam"] == pytest.approx(2 / 1000 ** fit["beta"])
    assert fit["failures"] == 2
    # N(T) = λ T^β = n by construction
    assert fit["lam"] * 1000 ** fit["beta"] == pytest.approx(2)
    assert fit["beta"] < 1  # early failures then none: improving


def test_crow_amsaa_deteriorating():
    # failures at 800 h and 950 h of 1000 h: Σ ln = ln 1.25 + ln(1000/950) = 0.223144 + 0.051293
    # = 0.274437; β = 2 / 0.274437 = 7.2877 > 1 (deteriorating)
    fit = crow_amsaa([800, 950], 1000)
    assert fit["beta"] == pytest.approx(7.2877, abs=1e-4)


def test_crow_amsaa_edge_cases():
    assert crow_amsaa([], 1000) is None
    assert crow_amsaa([500], 1000) is None
    assert crow_amsaa([1000, 1000], 1000) is None  # Σ ln(T/t) = 0: β undefined
    with pytest.raises(ValueError):
        crow_amsaa([0, 10], 100)
    with pytest.raises(ValueError):
        crow_amsaa([10, 200], 100)
    with pytest.raises(ValueError):
        crow_amsaa([10, 20], 0)


# --------------------------------------------------------------------------------------
# mtbf_trend
# --------------------------------------------------------------------------------------


def quarter_failures(asset, quarter_start: str, count: int) -> list[tuple]:
    """``count`` failures 1 day apart from day 10 of the quarter, each with 1 h downtime."""
    first = ts(quarter_start) + pd.Timedelta(days=10)
    return [
        (asset, first + pd.Timedelta(days=k), first + pd.Timedelta(days=k, hours=1))
        for k in range(count)
    ]


def trend_log() -> pd.DataFrame:
    rows = []
    # "D" deteriorates: 1, 2, 4, 8 failures in 2026 Q1..Q4
    # "I" improves: 4, 2, 1, 0 failures
    for quarter, d_count, i_count in [
        ("2026-01-01", 1, 4),
        ("2026-04-01", 2, 2),
        ("2026-07-01", 4, 1),
        ("2026-10-01", 8, 0),
    ]:
        rows += quarter_failures("D", quarter, d_count)
        rows += quarter_failures("I", quarter, i_count)
    rows += quarter_failures("D", "2027-01-01", 5)  # after the span: ignored
    return failures(*rows)


def test_mtbf_trend_hand_worked():
    table = mtbf_trend(trend_log(), ["D", "I", "N"], ts("2027-01-15"))
    assert table.index.tolist() == ["D", "I", "N"]
    assert table.loc["D", "quarter_labels"] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    # quarter lengths: Q1 90 d = 2160 h, Q2 91 d = 2184 h, Q3 and Q4 92 d = 2208 h

    # D: (2160-1)/1 = 2159, (2184-2)/2 = 1091, (2208-4)/4 = 551, (2208-8)/8 = 275
    # x = 0..3, x - x̄ = -1.5 -0.5 0.5 1.5, Σ(x-x̄)² = 5
    # Σ(x-x̄)y = -3238.5 - 545.5 + 275.5 + 412.5 = -3096 -> slope -619.2 h/quarter
    # mean = 4076 / 4 = 1019 -> -619.2 / 1019 = -60.765 %/quarter -> deteriorating
    d = table.loc["D"]
    assert d["quarters"] == pytest.approx([2159, 1091, 551, 275])
    assert d["censored_quarters"] == 0
    assert d["slope_hours_per_quarter"] == pytest.approx(-619.2)
    assert d["pct_per_quarter"] == pytest.approx(-619.2 / 1019 * 100)
    assert d["direction"] == "deteriorating"
    assert d["failures"] == 15
    # Crow-AMSAA over the year, written out with the plain formula: β = n / Σ ln(T / tᵢ)
    span = ts("2026-01-01")
    times = np.array(
        [(row[1] - span) / pd.Timedelta(hours=1) for row in trend_log().itertuples(index=False)]
    )
    d_times = times[(trend_log()["asset_id"] == "D").to_numpy() & (times < 8760)]
    assert len(d_times) == 15
    assert d["crow_amsaa_beta"] == pytest.approx(15 / np.log(8760 / d_times).sum())
    assert d["crow_amsaa_beta"] > 1

    # I: (2160-4)/4 = 539, 1091, (2208-1)/1 = 2207, Q4 censored lower bound 2208
    # Σ(x-x̄)y = -808.5 - 545.5 + 1103.5 + 3312 = 3061.5 -> slope 612.3; mean 6045/4 = 1511.25
    # -> 612.3 / 1511.25 = 40.516 %/quarter -> improving
    i = table.loc["I"]
    assert i["quarters"] == pytest.approx([539, 1091, 2207, 2208])
    assert i["censored_quarters"] == 1
    assert i["slope_hours_per_quarter"] == pytest.approx(612.3)
    assert i["pct_per_quarter"] == pytest.approx(612.3 / 1511.25 * 100)
    assert i["direction"] == "improving"
    assert i["crow_amsaa_beta"] < 1

    # N: no failures: all four quarters censored at their length 2160, 2184, 2208, 2208
    # Σ(x-x̄)y = -3240 - 1092 + 1104 + 3312 = 84 -> slope 16.8; mean 2190 -> 0.767 % -> flat
    n = table.loc["N"]
    assert n["quarters"] == [2160.0, 2184.0, 2208.0, 2208.0]
    assert n["censored_quarters"] == 4
    assert n["slope_hours_per_quarter"] == pytest.approx(16.8)
    assert n["direction"] == "flat"
    assert n["crow_amsaa_beta"] is None
    assert n["failures"] == 0


def test_mtbf_trend_last_complete_quarter_boundary():
    log = trend_log()
    # exactly at the start of 2027: 2026Q4 has just completed and is the last quarter
    at_boundary = mtbf_trend(log, ["D"], ts("2027-01-01 00:00"))
    assert at_boundary.loc["D", "quarter_labels"][-1] == "2026Q4"
    # one minute earlier 2026Q4 is not complete: the span ends with 2026Q3
    before = mtbf_trend(log, ["D"], ts("2026-12-31 23:59"), quarters=2)
    assert before.loc["D", "quarter_labels"] == ["2026Q2", "2026Q3"]
    # 2 quarters: D 1091 then 551: slope -540, mean 821 -> -65.8 %
    assert before.loc["D", "slope_hours_per_quarter"] == pytest.approx(-540.0)


def test_mtbf_trend_one_failure_has_no_crow_amsaa_and_bad_quarters_refused():
    log = failures(("A", "2026-02-01 00:00", "2026-02-01 02:00"))
    table = mtbf_trend(log, ["A"], ts("2026-12-01"))
    assert table.loc["A", "quarter_labels"] == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert table.loc["A", "failures"] == 1
    assert table.loc["A", "crow_amsaa_beta"] is None
    assert table.loc["A", "censored_quarters"] == 3
    with pytest.raises(ValueError):
        mtbf_trend(log, ["A"], ts("2026-12-01"), quarters=1)


def test_mtbf_trend_across_a_new_year_and_bad_input_named():
    # as_of 2026-01-01 00:00 UTC: 2025Q4 has just ended, so the quarters are 2025Q1–Q4.
    table = mtbf_trend(pd.DataFrame(), ["X"], ts("2026-01-01"))
    assert table.loc["X", "quarter_labels"] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    # No failure: each value is the quarter's hours, 90, 91, 92 and 92 days × 24.
    assert table.loc["X", "quarters"] == [2160.0, 2184.0, 2208.0, 2208.0]
    with pytest.raises(ScoringError, match="as_of is required"):
        mtbf_trend(pd.DataFrame(), ["X"], None)


def test_mtbf_trend_empty_inputs():
    table = mtbf_trend(pd.DataFrame(), [], ts("2026-12-01"))
    assert table.empty
    assert "direction" in table.columns
    only_censored = mtbf_trend(pd.DataFrame(), ["X"], ts("2026-12-01"))
    assert only_censored.loc["X", "direction"] == "flat"
    assert math.isclose(only_censored.loc["X", "quarters"][0], 2208.0)  # 2025Q4: 92 days
