"""The chart base every app's charts share: colours, font, layout, and the chart dict that
``templates/includes/chart.html`` renders.

Charts are plain dicts, not ``go.Figure`` objects: building and validating a ``go.Figure``
costs about 10 ms a chart, and the browser's plotly.js (our static file) takes the same
JSON. Each app's ``charts.py`` takes figures already computed (snapshots, selectors) and
only lays them out; ``figure`` wraps one with the table behind it, its window and an empty
state.
"""

from typing import Any

from core.language import format_money

COLORS = {
    "accent": "#1f5fa8",
    "muted": "#9aa5b1",
    "danger": "#b42318",
    "warning": "#b54708",
    "ok": "#1b6e20",
    "zone_a": "#e3f4e4",
    "zone_b": "#f1f7d9",
    "zone_c": "#fdf0d5",
    "zone_d": "#fbe0dd",
}
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}


def base_layout(**overrides: Any) -> dict:
    """The layout every chart shares: small margins, legend on top, our font."""
    layout = {
        "font": FONT,
        # The legend sits in the top margin, left; the mode bar (on hover) at the right.
        "margin": {"l": 60, "r": 20, "t": 36, "b": 40},
        "height": 320,
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "xaxis": {"gridcolor": "#eef2f6"},
        "yaxis": {"gridcolor": "#eef2f6", "zeroline": False},
        "hovermode": "closest",
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def figure(
    figure_id: str,
    *,
    title: str,
    window: str | None,
    data: list[dict],
    layout: dict,
    columns: list[str],
    rows: list[list],
    empty: str | None = None,
    source: str = "",
) -> dict:
    """One chart for ``includes/chart.html``.

    ``columns``/``rows`` are the table behind the chart (already formatted for people), so
    the numbers can be read, copied and printed; ``empty`` is what to say when there is
    nothing to draw (what is missing and how to load it); ``source`` names the function
    and the rows the figure comes from.
    """
    return {
        "id": figure_id,
        "json_id": f"{figure_id}-data",
        "title": title,
        "window": window,
        "plot": {"data": data, "layout": layout},
        "columns": columns,
        "rows": rows,
        "empty": empty if not rows else None,
        "source": source,
    }


def money_label(value, currency: str) -> str | None:
    """A money figure as the tables under the charts show it ("$310,000"); None unknown."""
    return None if value is None else format_money(value, currency)
