"""Plotly figures for the OEM relationship and customer pages, as plain dicts.

Only layout: the scores, the fitted trend, the projection band and the penalty sums come
computed (``oem.selectors`` over ``oem.metrics``); see ``core.charts`` for why dicts.
"""

import datetime as dt

import pandas as pd

from core.charts import COLORS, base_layout, figure
from core.dates import quarter_index, quarter_label, quarter_labels
from core.language import format_money

BAND_FILL = "rgba(31, 95, 168, 0.15)"  # COLORS["accent"], light
SITE_COLORS = ["#1f5fa8", "#b54708", "#1b6e20", "#6941c6", "#b42318", "#0e7090", "#9aa5b1"]
INGEST_HINT = "Load them at Data in (/ingest/)"


def _score(value) -> str | None:
    return None if value is None else f"{value:.1f}"


def scorecard_history(
    scores: pd.DataFrame,
    projection: dict | None,
    band: list[dict],
    threshold: float | None,
    *,
    as_of: dt.date,
) -> dict:
    """Every stored scorecard, the least-squares trend over the points the projection uses,
    the projection with its ± σ band, and the SDP threshold as a horizontal line."""
    stored = [(quarter_label(y, q), float(s)) for y, q, s in scores.itertuples(index=False)]
    fitted = [(quarter_label(y, q), f) for y, q, _, f in (projection or {}).get("fitted", [])]
    ends = [(int(y), int(q)) for y, q in zip(scores["year"], scores["quarter"], strict=True)]
    ends += [(row["year"], row["quarter"]) for row in band]
    # Every quarter between the ends: the x axis keeps a missing quarter as a gap.
    axis = quarter_labels(quarter_index(*min(ends)), quarter_index(*max(ends))) if ends else []
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "Scorecard score",
            "x": [label for label, _ in stored],
            "y": [value for _, value in stored],
            "line": {"color": COLORS["accent"]},
            "hovertemplate": "%{x}: %{y:.1f} points<extra></extra>",
        }
    ]
    if projection:
        data += [
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"Least-squares trend ({projection['points']} quarters)",
                "x": [label for label, _ in fitted],
                "y": [value for _, value in fitted],
                "line": {"color": COLORS["muted"]},
                "hovertemplate": "%{x}: trend %{y:.1f}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Band upper (projection + σ)",
                "x": [row["label"] for row in band],
                "y": [row["high"] for row in band],
                "line": {"width": 0},
                "showlegend": False,
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"Projection ± σ ({projection['sigma']:.1f} points)",
                "x": [row["label"] for row in band],
                "y": [row["low"] for row in band],
                "fill": "tonexty",
                "fillcolor": BAND_FILL,
                "line": {"width": 0},
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Projection",
                "x": [row["label"] for row in band],
                "y": [row["centre"] for row in band],
                "line": {"color": COLORS["accent"], "dash": "dash"},
                "hovertemplate": "%{x}: projected %{y:.1f}<extra></extra>",
            },
        ]
    if threshold is not None and axis:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"SDP threshold ({threshold:.1f})",
                "x": [axis[0], axis[-1]],
                "y": [threshold, threshold],
                "line": {"color": COLORS["danger"], "dash": "dot"},
                "hovertemplate": "SDP threshold %{y:.1f}<extra></extra>",
            }
        )
    by_quarter = {label: {"score": value} for label, value in stored}
    for label, value in fitted:
        by_quarter.setdefault(label, {})["fitted"] = value
    for row in band:
        by_quarter.setdefault(row["label"], {}).update(row)
    table = [
        [
            label,
            _score(by_quarter.get(label, {}).get("score")),
            _score(by_quarter.get(label, {}).get("fitted")),
            _score(by_quarter.get(label, {}).get("centre")),
            _score(by_quarter.get(label, {}).get("low")),
            _score(by_quarter.get(label, {}).get("high")),
            _score(threshold),
        ]
        for label in axis
        if label in by_quarter
    ]
    if projection:
        last = quarter_label(projection["last_year"], projection["last_quarter"])
        target = quarter_label(projection["projected_year"], projection["projected_quarter"])
        window = (
            f"trend over the {projection['points']} quarters to {last} known on {as_of}, "
            f"projected {projection['horizon_quarters']} quarters to {target}"
        )
    else:
        window = f"scorecards known on {as_of}" if stored else None
    return figure(
        "scorecards",
        title="Scorecard history, trend and projection",
        window=window,
        data=data,
        layout=base_layout(
            xaxis={"type": "category", "categoryorder": "array", "categoryarray": axis},
            yaxis={"title": "Score (points, 0–100)"},
        ),
        columns=[
            "Quarter",
            "Score",
            "Trend",
            "Projection",
            "Band low (−σ)",
            "Band high (+σ)",
            "SDP threshold",
        ],
        rows=table,
        empty=f"No scorecards for this relationship yet. {INGEST_HINT}: kind 'scorecards'.",
        source="Quarterly scorecards: the trend of the last 4–8 complete quarters, projected "
        "4 quarters ahead",
    )


def _penalty_window(series: pd.Series, as_of: dt.date) -> str:
    return (
        f"{len(series)} calendar quarters {series.index[0]}–{series.index[-1]}, "
        f"to {as_of} (current quarter to date)"
    )


def penalty_quarters(series: pd.Series, currency: str, *, as_of: dt.date, recorded: int) -> dict:
    """Bars: the relationship's penalty amounts per calendar quarter."""
    in_window = bool(series.sum() > 0)
    if recorded == 0:
        empty = f"No penalties recorded for this relationship. {INGEST_HINT}: kind 'penalties'."
    else:
        empty = (
            f"No penalties in {series.index[0]}–{series.index[-1]}; "
            f"{recorded} on record outside these quarters (in the table below)."
        )
    return figure(
        "penalty-quarters",
        title="Penalties per quarter",
        window=_penalty_window(series, as_of),
        data=[
            {
                "type": "bar",
                "name": "Penalties",
                "x": list(series.index),
                "y": [float(v) for v in series],
                "marker": {"color": COLORS["danger"]},
                "customdata": [format_money(v, currency) for v in series],
                "hovertemplate": "%{x}: %{customdata}<extra></extra>",
            }
        ],
        layout=base_layout(xaxis={"type": "category"}, yaxis={"title": f"{currency} per quarter"}),
        columns=["Quarter", f"Penalties ({currency})"],
        rows=[[q, format_money(v, currency)] for q, v in series.items()] if in_window else [],
        empty=empty,
        source="Penalty invoices by the day they were incurred, per calendar quarter",
    )


def penalties_by_site(
    by_site: list[tuple[str, pd.Series]],
    currency: str,
    *,
    as_of: dt.date,
    figure_id: str = "penalties-by-site",
) -> dict:
    """Stacked bars: penalty amounts per calendar quarter, one trace per site."""
    quarters = list(by_site[0][1].index) if by_site else []
    data = [
        {
            "type": "bar",
            "name": site,
            "x": list(series.index),
            "y": [float(v) for v in series],
            "marker": {"color": SITE_COLORS[i % len(SITE_COLORS)]},
            "customdata": [format_money(v, currency) for v in series],
            # The site's name via the (escaped) trace name, never into the template.
            "hovertemplate": "%{fullData.name}, %{x}: %{customdata}<extra></extra>",
        }
        for i, (site, series) in enumerate(by_site)
    ]
    any_penalty = any(series.sum() > 0 for _, series in by_site)
    rows = [
        [quarter, *[format_money(series[quarter], currency) for _, series in by_site]]
        for quarter in quarters
    ]
    return figure(
        figure_id,
        title=f"Penalties per quarter by site ({currency})",
        window=_penalty_window(by_site[0][1], as_of) if by_site else None,
        data=data,
        layout=base_layout(
            barmode="stack",
            xaxis={"type": "category"},
            yaxis={"title": f"{currency} per quarter"},
        ),
        columns=["Quarter", *[site for site, _ in by_site]],
        rows=rows if any_penalty else [],
        empty="No penalties from this customer at your sites in the window. "
        f"{INGEST_HINT}: kind 'penalties'.",
        source="Penalty invoices per site, by the day they were incurred, per calendar quarter",
    )
