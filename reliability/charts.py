"""Plotly figures of the asset page, as plain dicts (see ``scores.charts``).

The builders only lay out numbers computed elsewhere: a sensor's downsampled series
(``reliability.selectors.reading_series``), its limits (``reliability.condition``: ISO
20816-3 zones for vibration, class thresholds for temperature and current, as the alerts
use them), the alerts detected in the window, and the quarterly MTBF of
``reliability.statistics.mtbf_trend``.
"""

import datetime as dt

from core.charts import COLORS, base_layout, figure

UNITS = {"vibration_velocity_rms": "mm/s", "temperature": "°C", "current": "A"}
#: What reading_series read, in words: raw readings up to 3 days, roll-ups beyond.
SOURCES = {"readings": "raw readings", "hourly": "hourly roll-ups", "daily": "daily roll-ups"}
ZONE_COLORS = {zone: COLORS[f"zone_{zone.lower()}"] for zone in "ABCD"}
#: Points drawn on one page, shared by its readings charts: with their tables they keep
#: the page under its 150 KB budget and its rendering fast.
PAGE_POINTS = 720
MAX_POINTS = 500
MIN_POINTS = 120
#: Head room above the highest value or limit, so the top band and the markers show.
HEADROOM = 1.15
#: What the MTBF trend shows for a quarter that ended before the asset was installed.
NOT_INSTALLED = "not installed"


def source_label(source: str) -> str:
    """reading_series' source ("hourly, merged into 500 buckets") in words."""
    kind, _, rest = source.partition(",")
    return SOURCES.get(kind, kind) + ("," + rest if rest else "")


def _plot_time(moment) -> str:
    """An ISO string or aware datetime as UTC wall time, as short as exact: "2026-10-31"
    at midnight, "2026-10-31 05:00", "2026-10-31 05:00:30" with seconds. Every time on the
    page is UTC, so the offset is dropped and Plotly draws the time the tables show; short
    strings keep a year of points within the page's size budget."""
    if not isinstance(moment, str):
        moment = moment.astimezone(dt.UTC).isoformat()
    text = moment[:19].replace("T", " ")
    if text.endswith(":00"):
        text = text[:-3]
    return text[:10] if text.endswith(" 00:00") else text


def _value(number: float) -> float:
    # Two decimals, as the table shows them: below sensor resolution, and light JSON.
    return round(float(number), 2)


def points_per_chart(charts: int) -> int:
    """How many points each of ``charts`` readings charts may draw: a page budget of
    ``PAGE_POINTS`` shared between them (each point is also a row of the table behind its
    chart), at most ``MAX_POINTS`` and at least ``MIN_POINTS`` each. Three sensors get 240
    points each: a year of daily roll-ups in ~1.5-day buckets, min and max kept."""
    return max(MIN_POINTS, min(MAX_POINTS, PAGE_POINTS // max(charts, 1)))


def readings_chart(
    figure_id: str,
    *,
    sensor: dict,
    series: dict,
    window_label: str,
    zones: tuple[float, float, float] | None = None,
    thresholds: tuple[float, float] | None = None,
    alerts: list[dict] | tuple = (),
    empty: str,
) -> dict:
    """One sensor's chart: mean as a line, min–max as a band, the vibration zones A–D as
    horizontal bands (``zones`` = A/B, B/C, C/D boundaries) or the warning and alarm lines
    (``thresholds``), and a marker at each alert's detection. The table behind it holds
    the plotted points (time, mean, min, max)."""
    unit = UNITS.get(sensor["metric"], "")
    times = [_plot_time(t) for t in series["times"]]
    means = [_value(v) for v in series["value"]]
    lows = [_value(v) for v in series["min"]]
    highs = [_value(v) for v in series["max"]]
    start, end = (_plot_time(series["window"][key]) for key in ("start", "end"))
    limits = list(zones or ()) + list(thresholds or ())
    top = round(max(highs + limits + [0.0]) * HEADROOM, 3) or 1.0
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "max",
            "x": times,
            "y": highs,
            "line": {"width": 0},
            "hovertemplate": f"max %{{y}} {unit}<extra></extra>",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "min–max",
            "x": times,
            "y": lows,
            "fill": "tonexty",
            "fillcolor": "rgba(31, 95, 168, 0.18)",
            "line": {"width": 0},
            "hovertemplate": f"min %{{y}} {unit}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "name": "mean",
            "x": times,
            "y": means,
            "line": {"color": COLORS["accent"], "width": 1.5},
            "hovertemplate": f"%{{x}} UTC<br>mean %{{y}} {unit}<extra></extra>",
        },
    ]
    shapes, annotations = [], []
    if zones:
        edges = [0.0, *zones, top]
        for zone, low, high in zip("ABCD", edges[:-1], edges[1:], strict=True):
            shapes.append(_band(low, high, ZONE_COLORS[zone]))
            annotations.append(_label(round((low + high) / 2, 3), f"zone {zone}", "middle"))
    levels = (("warning", COLORS["warning"], "dot"), ("alarm", COLORS["danger"], "dash"))
    for (name, color, dash), level in zip(levels, thresholds or (), strict=False):
        shapes.append(_level(level, color, dash))
        annotations.append(_label(level, f"{name} {level:g} {unit}", "bottom"))
    if alerts:
        marks = [_plot_time(alert["detected_at"]) for alert in alerts]
        shapes.extend(_marker_line(x) for x in marks)
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "alert detected",
                "x": marks,
                "y": [round(top / HEADROOM, 3)] * len(marks),
                "marker": {"symbol": "triangle-down", "size": 11, "color": COLORS["danger"]},
                "text": [alert["label"] for alert in alerts],
                "hovertemplate": "%{x} UTC<br>%{text}<extra></extra>",
            }
        )
    yaxis = {"title": {"text": unit}}
    if zones:  # the bands start at 0 mm/s and need a finite top
        yaxis["range"] = [0, top]
    layout = base_layout(
        xaxis={"type": "date", "range": [start, end]},
        yaxis=yaxis,
        shapes=shapes,
        annotations=annotations,
    )
    rows = [
        [time, f"{mean:.2f}", f"{low:.2f}", f"{high:.2f}"]
        for time, mean, low, high in zip(times, means, lows, highs, strict=True)
    ]
    return figure(
        figure_id,
        title=f"{sensor['code']} · {sensor['label']}",
        window=f"{window_label} · {source_label(series['source'])}",
        data=data,
        layout=layout,
        columns=["Time (UTC)", f"Mean ({unit})", f"Min ({unit})", f"Max ({unit})"],
        rows=rows,
        empty=empty,
        source=f"Sensor readings of {sensor['code']}, {window_label}",
    )


def _band(low: float, high: float, color: str) -> dict:
    return {
        "type": "rect",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": low,
        "y1": high,
        "fillcolor": color,
        "line": {"width": 0},
        "layer": "below",
    }


def _level(level: float, color: str, dash: str) -> dict:
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": level,
        "y1": level,
        "line": {"color": color, "width": 1.5, "dash": dash},
    }


def _marker_line(x: str) -> dict:
    return {
        "type": "line",
        "xref": "x",
        "x0": x,
        "x1": x,
        "yref": "paper",
        "y0": 0,
        "y1": 1,
        "line": {"color": COLORS["danger"], "width": 1, "dash": "dot"},
    }


def _label(y: float, text: str, anchor: str) -> dict:
    return {
        "xref": "paper",
        "x": 1,
        "xanchor": "right",
        "yref": "y",
        "y": y,
        "yanchor": anchor,
        "text": text,
        "showarrow": False,
        "font": {"size": 10, "color": COLORS["muted"]},
    }


def mtbf_trend_chart(
    figure_id: str, *, trend: dict, failures: list[int], window_label: str
) -> dict:
    """The asset's MTBF per quarter (bars, hours) from ``statistics.mtbf_trend``, as
    ``reliability.selectors.asset_reliability_figures`` gives it: a quarter the trend
    flags censored (``trend["censored"]``: no failure, its value a lower bound, its
    operating hours) is drawn muted and labelled "> h"; a quarter that ended before the
    asset's installation (``trend["installed"]`` False) has no bar and reads "not
    installed", not 0 h. ``failures`` per quarter (``metrics.failures_per_quarter``) fills
    the table's Failures column, blank before installation."""
    labels, values = trend["quarter_labels"], trend["quarters"]
    censored = [bool(flag) for flag in trend["censored"]]
    installed = [bool(flag) for flag in trend.get("installed", [True] * len(labels))]
    texts = [
        NOT_INSTALLED if not present else f"{'> ' if low else ''}{value:,.0f} h"
        for value, low, present in zip(values, censored, installed, strict=True)
    ]
    data = [
        {
            "type": "bar",
            "name": "MTBF",
            "x": labels,
            "y": [
                round(value, 1) if present else None
                for value, present in zip(values, installed, strict=True)
            ],
            "marker": {"color": [COLORS["muted"] if low else COLORS["accent"] for low in censored]},
            "text": texts,
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": "%{x}: %{text}<extra></extra>",
        }
    ]
    rows = [
        [
            label,
            text,
            str(count) if present else "",
            _trend_note(low, present),
        ]
        for label, text, count, low, present in zip(
            labels, texts, failures, censored, installed, strict=True
        )
    ]
    return figure(
        figure_id,
        title="MTBF per quarter",
        window=window_label,
        data=data,
        layout=base_layout(height=240, yaxis={"title": {"text": "h"}}, showlegend=False),
        columns=["Quarter", "MTBF (h)", "Failures", "Note"],
        rows=rows,
        empty="No complete quarter to show.",
        source=f"Failure events and operating hours from installation, {window_label}",
    )


def _trend_note(censored: bool, installed: bool) -> str:
    if not installed:
        return "before installation"
    return "lower bound: no failure" if censored else ""
