"""Plotly charts for the service pages: figure JSON drawn by plotly.js (served locally).

The figures are written as plain Plotly JSON rather than through plotly.graph_objects,
whose validation costs ~0.2 s a figure: a page of ten charts stays well under a second.
"""
from __future__ import annotations

import json

from django.utils.html import escape

LAYOUT = {
    "margin": {"l": 50, "r": 10, "t": 40, "b": 40}, "height": 300, "paper_bgcolor": "white", "plot_bgcolor": "white",
    "font": {"family": "DejaVu Sans, sans-serif", "size": 12}, "legend": {"orientation": "h", "y": -0.2},
}
CONFIG = {"displayModeBar": False, "responsive": True}


def _html(traces: list[dict], layout: dict, div_id: str) -> str:
    div_id = escape(div_id)
    payload = json.dumps([traces, {**LAYOUT, **layout}, CONFIG]).replace("</", "<\\/")
    return (f'<div id="{div_id}" class="plotly-chart"></div>'
            f'<script>(function(a){{Plotly.newPlot("{div_id}", a[0], a[1], a[2]);}})({payload});</script>')


def service_level_chart(series: dict, target_share: float, title: str, div_id: str, kind: str = "bar") -> str:
    """Service level (%) per group with the target drawn as a dashed line."""
    xs = [str(x) for x in series]
    ys = [None if v["service_level"] is None else round(100 * v["service_level"], 1) for v in series.values()]
    main = {"x": xs, "y": ys, "name": "Service level", "type": "bar", "marker": {"color": "#1d70b8"}}
    if kind != "bar":
        main = {"x": xs, "y": ys, "name": "Service level", "type": "scatter", "mode": "lines+markers", "line": {"color": "#1d70b8"}}
    target = {"x": xs, "y": [100 * target_share] * len(xs), "name": f"Target {100 * target_share:.0f}%", "type": "scatter",
              "mode": "lines", "line": {"color": "#d4351c", "dash": "dash"}}
    return _html([main, target], {"title": {"text": title}, "yaxis": {"title": {"text": "% answered in time"}, "range": [0, 100]},
                                  "xaxis": {"type": "category"}}, div_id)


def wait_chart(series: dict, threshold: int, title: str, div_id: str) -> str:
    """Mean and 90th percentile wait per group, the threshold as a dashed line."""
    xs = [str(x) for x in series]
    traces = [
        {"x": xs, "y": [v["mean_wait"] for v in series.values()], "name": "Mean wait (s)", "type": "bar", "marker": {"color": "#5694ca"}},
        {"x": xs, "y": [v["p90_wait"] for v in series.values()], "name": "90th percentile (s)", "type": "scatter",
         "mode": "lines+markers", "line": {"color": "#003078"}},
        {"x": xs, "y": [threshold] * len(xs), "name": f"Threshold {threshold} s", "type": "scatter", "mode": "lines",
         "line": {"color": "#d4351c", "dash": "dash"}},
    ]
    return _html(traces, {"title": {"text": title}, "yaxis": {"title": {"text": "seconds"}}, "xaxis": {"type": "category"}}, div_id)
