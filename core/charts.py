"""The chart base every app's charts share: colours, font, layout, and the chart dict that
``templates/includes/chart.html`` renders.

Charts are plain dicts, not ``go.Figure`` objects: building and validating a ``go.Figure``
costs about 10 ms a chart, and the browser's plotly.js (our static file) takes the same
JSON. Each app's ``charts.py`` takes figures already computed (snapshots, selectors) and
only lays them out; ``figure`` wraps one with the table behind it, its window and an empty
state.

Plotly renders a subset of HTML in every text it draws (names, labels, hover text, axis
categories), so ``figure`` escapes each string of those parts (``escape_text``): a line
named ``<a href=…>`` shows as that text, not a link. ``hovertemplate`` is ours and keeps
its markup; a user's string never goes into one (use ``%{fullData.name}``, ``%{text}``).
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
# The legend at the foot of the chart, under the axis and its title: Plotly reserves room
# for it there (the bottom margin grows), so however many rows it wraps into on a narrow
# screen it never reaches the mode bar in the top right corner nor the plot.
LEGEND = {
    "orientation": "h",
    "x": 0,
    "xanchor": "left",
    "y": 0,
    "yanchor": "bottom",
    "yref": "container",
}


# The parts of a trace and of an axis whose strings Plotly draws as (HTML) text.
TRACE_TEXT_KEYS = ("name", "text", "hovertext", "x", "y", "labels", "parents", "customdata")
AXIS_TEXT_KEYS = ("categoryarray", "ticktext")


def escape_text(value: Any) -> Any:
    """``value`` with ``&``, ``<`` and ``>`` as entities if it is a string (Plotly shows the
    entities as the characters); lists, tuples and dicts element by element; else as is."""
    if isinstance(value, str):
        if "<" in value or ">" in value or "&" in value:
            return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return value
    if isinstance(value, list | tuple):
        return [escape_text(item) for item in value]
    if isinstance(value, dict):
        return {key: escape_text(item) for key, item in value.items()}
    return value


def _escaped_trace(trace: dict) -> dict:
    return {
        key: escape_text(value) if key in TRACE_TEXT_KEYS else value for key, value in trace.items()
    }


def _escaped_layout(layout: dict) -> dict:
    escaped = dict(layout)
    for key, value in layout.items():
        if (key.startswith("xaxis") or key.startswith("yaxis")) and isinstance(value, dict):
            escaped[key] = {
                name: escape_text(item) if name in AXIS_TEXT_KEYS else item
                for name, item in value.items()
            }
    if isinstance(layout.get("annotations"), list):
        escaped["annotations"] = [
            {**note, "text": escape_text(note["text"])}
            if isinstance(note, dict) and "text" in note
            else note
            for note in layout["annotations"]
        ]
    return escaped


def base_layout(**overrides: Any) -> dict:
    """The layout every chart shares: small margins, legend under the chart, our font."""
    layout = {
        "font": FONT,
        # The top margin is the mode bar's (shown on hover, at the right).
        "margin": {"l": 60, "r": 20, "t": 36, "b": 40},
        "height": 320,
        "legend": LEGEND,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        # automargin: the axes' labels and titles take the room they need, and the
        # legend's room is added below them (it then never covers the x axis).
        "xaxis": {"gridcolor": "#eef2f6", "automargin": True},
        "yaxis": {"gridcolor": "#eef2f6", "zeroline": False, "automargin": True},
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
        # Every user-supplied string Plotly draws, escaped (it renders HTML in text).
        "plot": {
            "data": [_escaped_trace(trace) for trace in data],
            "layout": _escaped_layout(layout),
        },
        "columns": columns,
        "rows": rows,
        "empty": empty if not rows else None,
        "source": source,
    }


def money_label(value, currency: str) -> str | None:
    """A money figure as the tables under the charts show it ("$310,000"); None unknown."""
    return None if value is None else format_money(value, currency)
