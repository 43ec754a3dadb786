"""A series' chart: every document's statements as points with their rounding interval as error bars, the
preferred value as a line (its hover gives the growth implied since the previous point), the statements a claim
or another document puts in doubt ringed, and the preferred values the series itself finds implausible (a
possible scale slip, marts.preferred_series) marked with the evidence.

Values are in the series' base unit (yuan, US$, percent, ...), as the warehouse compares them. A bound ("over
200 million") has no upper end: its error bar stops at the value and its marker points the open way.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import plotly.io as pio

STATEMENT = "statement"  # the meta of each document's trace, by which a test reads the plotted statements back
SCALE_SLIP = "possible scale slip"  # the name of the trace marking the preferred values flagged as one
_OPEN_MARKER = {"gt": "triangle-up", "ge": "triangle-up", "lt": "triangle-down", "le": "triangle-down"}


def chart_year(figure: dict) -> int | None:
    """Where a statement stands on the time axis: its reference year (marts.figures' `year`, a span's last year,
    computed once in dbt: macro reference_year); None when it states no period."""
    return figure["year"]


def _bar(value: float, bound: float | None) -> float:
    return 0.0 if bound is None or math.isinf(bound) else abs(bound - value)


def _hover(figure: dict) -> str:
    flags = f"<br>doubted: {figure['discrepancy_flags']}" if figure["discrepancy_flags"] else ""
    return f"{figure['figure_id']}: “{figure['stated_text']}”<br>{figure['locator']}{flags}"


def _preferred_hover(point: dict) -> str:
    growth = point["implied_growth_pct"]
    since = f"<br>{growth:+.2f}% a year since {point['previous_year']}" if growth is not None else ""
    return f"preferred: {point['figure_id']} ({point['chosen_by']}){since}"


def _slip_hover(point: dict) -> str:
    # the evidence is one long sentence of clauses; a line each keeps the box inside the chart
    evidence = "<br>".join((point["plausibility_evidence"] or "").split("; "))
    return f"{point['figure_id']}: {point['plausibility_flag']}<br>{evidence}"


def series_chart(figures: list[dict], preferred: list[dict], unit: str, div_id: str) -> str:
    """The chart's <div> and the script that draws it with the page's plotly.min.js."""
    placed = [f for f in figures if chart_year(f) is not None]
    fig = go.Figure()
    for document_id in sorted({f["document_id"] for f in placed}):
        points = [f for f in placed if f["document_id"] == document_id]
        fig.add_trace(
            go.Scatter(
                x=[chart_year(f) for f in points],
                y=[f["value"] for f in points],
                customdata=[f["figure_id"] for f in points],
                mode="markers",
                name=document_id,
                meta=STATEMENT,
                marker={"size": 10, "symbol": [_OPEN_MARKER.get(f["comparator"], "circle") for f in points]},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [_bar(f["value"], f["value_high"]) for f in points],
                    "arrayminus": [_bar(f["value"], f["value_low"]) for f in points],
                },
                hovertext=[_hover(f) for f in points],
                hoverinfo="text+y",
            )
        )
    if preferred:
        fig.add_trace(
            go.Scatter(
                x=[p["year"] for p in preferred],
                y=[p["value"] for p in preferred],
                mode="lines",
                name="preferred value",
                line={"color": "#444", "dash": "dot"},
                hovertext=[_preferred_hover(p) for p in preferred],
                hoverinfo="text+y",
            )
        )
    doubted = [f for f in placed if f["discrepancy_flags"]]
    if doubted:
        fig.add_trace(
            go.Scatter(
                x=[chart_year(f) for f in doubted],
                y=[f["value"] for f in doubted],
                mode="markers",
                name="discrepancy",
                marker={"size": 20, "symbol": "circle-open", "color": "#c0392b", "line": {"width": 2}},
                hovertext=[_hover(f) for f in doubted],
                hoverinfo="text",
            )
        )
    slipped = [p for p in preferred if p["plausibility_flag"]]
    if slipped:
        fig.add_trace(
            go.Scatter(
                x=[p["year"] for p in slipped],
                y=[p["value"] for p in slipped],
                customdata=[p["figure_id"] for p in slipped],
                mode="markers",
                name=SCALE_SLIP,
                marker={"size": 22, "symbol": "diamond-open", "color": "#d35400", "line": {"width": 3}},
                hovertext=[_slip_hover(p) for p in slipped],
                hoverinfo="text",
            )
        )
    fig.update_layout(
        xaxis={"title": "year", "dtick": 1},
        yaxis={"title": unit},
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
        height=420,
        legend={"orientation": "h", "y": -0.2},
    )
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=div_id, config={"displaylogo": False})
