/* Draws every Plotly figure on the page.
 *
 * A figure is a <div class="plot" data-figure="ID"> with its JSON in
 * <script type="application/json" id="ID"> (Django's json_script), so no inline
 * script runs and the strict CSP holds. The figure dicts are built server side
 * (the charts.py modules); this file only hands them to Plotly.
 */
(function () {
  "use strict";
  // The mode bar only on hover, with few buttons, so it does not cover the legend.
  var config = {
    displaylogo: false,
    responsive: true,
    displayModeBar: "hover",
    modeBarButtonsToRemove: ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d"]
  };

  function draw(div) {
    var source = document.getElementById(div.dataset.figure);
    if (!source || typeof Plotly === "undefined") { return; }
    var figure = JSON.parse(source.textContent);
    Plotly.newPlot(div, figure.data, figure.layout || {}, config).then(function () {
      div.dataset.rendered = "true";
    });
  }

  function drawAll() {
    document.querySelectorAll("div.plot[data-figure]").forEach(draw);
  }

  // Charts print at the page's width, not the screen's.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("div.plot[data-rendered]").forEach(function (div) {
      Plotly.Plots.resize(div);
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
