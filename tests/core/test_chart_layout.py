"""The shared chart layout in a real browser: the legend never overlaps the mode bar (the
chart's toolbar, top right), the plot or the x axis, on a wide screen and at 390 px.

The chart is drawn as the pages draw it (our js/charts.js and its Plotly config, the
package's plotly.js) in a page of its own, so no server or database is needed.
"""

import json
from pathlib import Path

import plotly
import pytest

from core.charts import base_layout
from tests.browser import chromium, wait_until

ROOT = Path(__file__).resolve().parents[2]
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
CHARTS_JS = ROOT / "static" / "js" / "charts.js"

# Long names, as the pages have ("Addressable by condition monitoring"), enough of them to
# wrap into several rows on a phone.
NAMES = [
    "Addressable by condition monitoring",
    "Not addressable",
    "OEM penalty exposure",
    "Maturity composite",
    "SDP threshold",
]

BOXES = """
function box(el) { var r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }
var div = document.querySelector("div.plot");
var all = function (sel) { return Array.from(div.querySelectorAll(sel)).map(box); };
return {
  legend: box(div.querySelector("g.legend")),
  modebar: box(div.querySelector(".modebar")),
  plot: all("rect.nsewdrag"),
  xaxis: all("g.xtick text").concat(all(".g-xtitle")),
  chart: box(div)
};
"""


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def chart_page(tmp_path: Path, layout: dict) -> Path:
    traces = [
        {
            "type": "bar" if i < 2 else "scatter",
            "name": name,
            "x": ["Q1", "Q2", "Q3"],
            "y": [i, 2, 3],
        }
        for i, name in enumerate(NAMES)
    ]
    figure = json.dumps({"data": traces, "layout": layout})
    page = tmp_path / "chart.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width">'
        '</head><body style="margin:0;padding:16px">'
        '<div class="plot" data-figure="f" style="width:100%"></div>'
        f'<script type="application/json" id="f">{figure}</script>'
        f'<script src="{PLOTLY_JS.as_uri()}"></script><script src="{CHARTS_JS.as_uri()}"></script>'
        "</body></html>"
    )
    return page


LAYOUTS = {
    "plain": base_layout(xaxis={"title": "Quarter"}, yaxis={"title": "USD per year"}),
    # The history chart's: a second axis on the right and a larger bottom margin.
    "two axes": base_layout(
        yaxis={"title": "USD per year"},
        yaxis2={"title": "Maturity (0–100)", "overlaying": "y", "side": "right"},
        margin={"r": 60, "b": 80},
    ),
}


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", list(LAYOUTS))
def test_the_legend_overlaps_neither_the_mode_bar_nor_the_plot(tmp_path, width, name):
    page = chart_page(tmp_path, LAYOUTS[name])
    with chromium() as driver:
        # A real 390 px viewport (a headless window cannot be made narrower than 500 px).
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        )
        driver.get(page.as_uri())
        wait_until(
            driver,
            lambda d: d.execute_script(
                "var d = document.querySelector('div.plot'); return d.dataset.rendered"
            ),
            "the chart to be drawn",
        )
        boxes = driver.execute_script(BOXES)
    legend, chart = boxes["legend"], boxes["chart"]
    assert legend[2] > legend[0] and legend[3] > legend[1], boxes  # it is drawn
    assert not overlap(legend, boxes["modebar"]), boxes
    hits = [part for part in boxes["plot"] + boxes["xaxis"] if overlap(legend, part)]
    assert hits == [], boxes
    # Inside the chart, not clipped by its edges.
    assert chart[0] <= legend[0] and legend[2] <= chart[2] + 1, boxes
    assert chart[1] <= legend[1] and legend[3] <= chart[3] + 1, boxes
