"""User-supplied strings in charts are escaped: Plotly renders a subset of HTML in text."""

import json

import pandas as pd

from core.charts import base_layout, figure
from oem.charts import penalties_by_site
from scores.charts import oee_by_line

PHISH = '<a href="https://evil.example/phish">x</a>'
ESCAPED = '&lt;a href="https://evil.example/phish"&gt;x&lt;/a&gt;'
IN_JSON = json.dumps(ESCAPED)[1:-1]


def test_escape_text():
    from core.charts import escape_text

    assert escape_text(PHISH) == ESCAPED
    assert escape_text("R&D") == "R&amp;D"
    assert escape_text(["a", 1, None, PHISH]) == ["a", 1, None, ESCAPED]
    assert escape_text(3.5) == 3.5


def test_the_site_oee_chart_shows_a_line_name_as_text():
    """The OEE-by-line chart of the site page: the line's name is escaped in the figure."""
    chart = oee_by_line([{"line": PHISH, "oee": 0.5}], "Q1")
    plot = json.dumps(chart["plot"])
    assert IN_JSON in plot and "<a href" not in plot
    assert chart["rows"][0][0] == PHISH  # the table is escaped by the template


def test_every_trace_text_part_and_axis_category_is_escaped():
    chart = figure(
        "c",
        title="t",
        window=None,
        data=[
            {
                "type": "bar",
                "name": PHISH,
                "x": [PHISH],
                "y": [1],
                "text": [PHISH],
                "hovertext": PHISH,
                "customdata": [PHISH],
                "hovertemplate": "%{x}<br>%{y}<extra></extra>",
            }
        ],
        layout=base_layout(
            xaxis={"categoryarray": [PHISH], "ticktext": [PHISH]},
            annotations=[{"text": PHISH}],
        ),
        columns=["a"],
        rows=[[1]],
    )
    plot = json.dumps(chart["plot"])
    assert "<a href" not in plot
    # our own template markup stays
    assert chart["plot"]["data"][0]["hovertemplate"] == "%{x}<br>%{y}<extra></extra>"


def test_a_site_name_never_goes_into_a_hover_template():
    """Penalties by site: the site's name reaches the hover only as the escaped trace name."""
    series = pd.Series([100.0], index=["2026 Q1"])
    chart = penalties_by_site([(PHISH, series)], "USD", as_of=pd.Timestamp("2026-03-31").date())
    plot = json.dumps(chart["plot"])
    assert "<a href" not in plot and IN_JSON in plot
