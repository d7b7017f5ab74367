"""Plotly figures for the portfolio and site pages, as plain dicts (see ``core.charts``).

Each chart's ``source`` says in the reader's words which records it is made of and over
which window; the functions behind them are listed in docs/scoring.md.
"""

from core.charts import COLORS, base_layout, figure, money_label
from scores.snapshot import Window


def source_text(records: str, window: str | None) -> str:
    """ "Penalty invoices, trailing 12 months to 2026-12-03": what a chart is made of and
    over which window (the records alone when the window is unknown)."""
    return f"{records}, {window}" if window else records


def exposure_by_site(rows: list[dict], currency: str, window: str | None) -> dict:
    """Stacked bars: each site's annual OEM penalty exposure, addressable and the rest."""
    shown = [r for r in rows if r["snapshot"] is not None and r["split"]["other"] is not None]
    names = [r["site"].name for r in shown]
    return figure(
        "exposure-by-site",
        title="OEM penalty exposure by site",
        window=window,
        data=[
            {
                "type": "bar",
                "name": "Addressable by condition monitoring",
                "x": names,
                "y": [r["split"]["addressable"] for r in shown],
                "marker": {"color": COLORS["accent"]},
                "hovertemplate": "%{x}: %{y:$,.0f} addressable<extra></extra>",
            },
            {
                "type": "bar",
                "name": "Not addressable",
                "x": names,
                "y": [r["split"]["other"] for r in shown],
                "marker": {"color": COLORS["muted"]},
                "hovertemplate": "%{x}: %{y:$,.0f} not addressable<extra></extra>",
            },
        ],
        layout=base_layout(barmode="stack", yaxis={"title": f"{currency} per year"}),
        columns=["Site", "Exposure", "Addressable", "Not addressable"],
        rows=[
            [
                r["site"].name,
                money_label(r["snapshot"]["penalty_exposure"], currency),
                money_label(r["split"]["addressable"], currency),
                money_label(r["split"]["other"], currency),
            ]
            for r in shown
        ],
        empty="No site has scores yet: load penalties and failure events at Data in, then "
        "scores are computed after the ingest.",
        source=source_text("Penalty invoices and the failure events they are linked to", window),
    )


def history_chart(
    points: list[dict], currency: str, chart_id: str, title: str, records: str
) -> dict:
    """Exposure (bars, left axis) and composite maturity (line, right axis, 0–100) at each
    quarter end and the latest day; ``records`` says whose scores they are."""
    shown = [p for p in points if p["figures"] is not None]
    days = [p["day"].isoformat() for p in shown]
    exposure = [p["figures"]["penalty_exposure"] for p in shown]
    composite = [p["figures"]["maturity_composite"] for p in shown]
    window = f"quarter ends from {days[0]}, then {days[-1]}" if days else None
    return figure(
        chart_id,
        title=title,
        window=window,
        data=[
            {
                "type": "bar",
                "name": "OEM penalty exposure",
                "x": days,
                "y": exposure,
                "marker": {"color": COLORS["danger"]},
                "hovertemplate": "%{x}: %{y:$,.0f}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Maturity composite",
                "x": days,
                "y": composite,
                "yaxis": "y2",
                "line": {"color": COLORS["accent"]},
                "hovertemplate": "%{x}: %{y:.1f}<extra></extra>",
            },
        ],
        layout=base_layout(
            xaxis={"type": "category"},
            yaxis={"title": f"{currency} per year"},
            yaxis2={
                "title": "Maturity (0–100)",
                "overlaying": "y",
                "side": "right",
                "range": [0, 100],
                "dtick": 25,
                "showgrid": False,
            },
            margin={"r": 60, "b": 80},
        ),
        columns=["As of", "Exposure", "Maturity composite"],
        rows=[
            [day, money_label(e, currency), None if c is None else f"{c:.1f}"]
            for day, e, c in zip(days, exposure, composite, strict=True)
        ],
        empty="No score history yet: past quarters are filled when an operator backfills "
        "the scores.",
        source=source_text(records, window),
    )


def _pct(value, digits: int = 1) -> str | None:
    return None if value is None else f"{value * 100:.{digits}f} %"


def portfolio_charts(page, currency: str) -> dict:
    """The portfolio page's charts: exposure by site, and its history."""
    return {
        "exposure": exposure_by_site(
            page.sites, currency, f"trailing 12 months, {page.window}" if page.window else None
        ),
        "history": history_chart(
            page.history,
            currency,
            "portfolio-history",
            "Exposure and maturity",
            "Each site's scores, added up at each day",
        ),
    }


def site_charts(page, currency: str) -> dict:
    """The site page's charts (none when the site has no snapshot yet)."""
    if page.snapshot is None:
        return {}
    labels = page.window_labels
    return {
        "dimensions": dimension_scores(page.dimensions),
        "penalties": exposure_by_customer(
            page.exposure_by_customer, currency, labels[Window.PENALTY_EXPOSURE]
        ),
        "oee": oee_by_line(page.oee_lines, labels[Window.OEE]),
        "history": history_chart(
            page.history,
            currency,
            "site-history",
            "Exposure and maturity",
            "The site's scores",
        ),
    }


def dimension_scores(dimensions: list[dict]) -> dict:
    """The four maturity dimensions as bars (0–100), coloured against the standard."""
    color = {"meets": COLORS["ok"], "gap": COLORS["danger"], "unknown": COLORS["muted"]}
    shown = [d for d in dimensions if d["score"] is not None]
    return figure(
        "site-dimensions",
        title="Maturity dimensions",
        window="each dimension's own window, in the table",
        data=[
            {
                "type": "bar",
                "orientation": "h",
                "x": [d["score"] for d in shown],
                "y": [d["label"] for d in shown],
                "marker": {"color": [color[d["status"]] for d in shown]},
                "hovertemplate": "%{y}: %{x:.1f} of 100<extra></extra>",
            }
        ],
        layout=base_layout(
            height=220,
            margin={"l": 230},
            xaxis={"range": [0, 100], "title": "Score (0–100)"},
            yaxis={"autorange": "reversed"},
        ),
        columns=["Dimension", "Score", "Status", "Window"],
        rows=[[d["label"], f"{d['score']:.1f}", d["status"], d["window"]] for d in shown],
        empty="No dimension could be scored: load sensors, readings, changeover windows and "
        "failure events at Data in.",
        source="Sensors and readings, changeover windows, failure events and penalty "
        "invoices; each dimension's window is in the table",
    )


def exposure_by_customer(rows: list[dict], currency: str, window: str | None) -> dict:
    """The site's annual OEM penalty exposure per customer relationship."""
    return figure(
        "site-penalties",
        title="OEM penalty exposure by customer",
        window=window,
        data=[
            {
                "type": "bar",
                "x": [r["customer"] for r in rows],
                "y": [r["exposure"] for r in rows],
                "marker": {"color": COLORS["danger"]},
                "hovertemplate": "%{x}: %{y:$,.0f}<extra></extra>",
            }
        ],
        layout=base_layout(yaxis={"title": f"{currency} per year"}),
        columns=["Customer", "Exposure", "Penalty events"],
        rows=[[r["customer"], money_label(r["exposure"], currency), r.get("events")] for r in rows],
        empty="No OEM penalty in the window. Penalty invoices are loaded at Data in "
        "(kind “penalties”).",
        source=source_text("Penalty invoices by customer", window),
    )


def oee_by_line(rows: list[dict], window: str | None) -> dict:
    """OEE per line with its availability, performance and quality."""
    return figure(
        "site-oee",
        title="OEE by line",
        window=window,
        data=[
            {
                "type": "bar",
                "x": [r["line"] for r in rows],
                "y": [None if r.get("oee") is None else r["oee"] * 100 for r in rows],
                "marker": {"color": COLORS["accent"]},
                "hovertemplate": "%{x}: %{y:.1f} %<extra></extra>",
            }
        ],
        layout=base_layout(yaxis={"title": "OEE (%)", "range": [0, 100]}),
        columns=["Line", "OEE", "Availability", "Performance", "Quality"],
        rows=[
            [
                r["line"],
                _pct(r.get("oee")),
                _pct(r.get("availability")),
                _pct(r.get("performance")),
                _pct(r.get("quality")),
            ]
            for r in rows
        ],
        empty="No production records in the window. Load them at Data in (kind "
        "“production records”).",
        source=source_text(
            "Production records per line (planned and run time, good and total counts)", window
        ),
    )
