"""Plotly charts for the service pages, as HTML fragments (plotly.js is served locally)."""
from __future__ import annotations

import plotly.graph_objects as go


def _html(fig: go.Figure, div_id: str) -> str:
    fig.update_layout(
        margin=dict(l=50, r=10, t=40, b=40), height=300, paper_bgcolor="white", plot_bgcolor="white",
        font=dict(family="DejaVu Sans, sans-serif", size=12), legend=dict(orientation="h", y=-0.2),
    )
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config={"displayModeBar": False, "responsive": True})


def service_level_chart(series: dict, target_share: float, title: str, div_id: str, kind: str = "bar") -> str:
    """Service level (%) per group with the target drawn as a dashed line."""
    xs = [str(x) for x in series]
    ys = [None if v["service_level"] is None else round(100 * v["service_level"], 1) for v in series.values()]
    trace = go.Bar(x=xs, y=ys, name="Service level", marker_color="#1d70b8") if kind == "bar" else go.Scatter(
        x=xs, y=ys, name="Service level", mode="lines+markers", line=dict(color="#1d70b8")
    )
    fig = go.Figure(trace)
    fig.add_trace(go.Scatter(x=xs, y=[100 * target_share] * len(xs), name=f"Target {100 * target_share:.0f}%",
                             mode="lines", line=dict(color="#d4351c", dash="dash")))
    fig.update_layout(title=title, yaxis=dict(title="% answered in time", range=[0, 100]), xaxis=dict(type="category"))
    return _html(fig, div_id)


def wait_chart(series: dict, threshold: int, title: str, div_id: str) -> str:
    """Mean and 90th percentile wait per group, the target threshold as a line."""
    xs = [str(x) for x in series]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=xs, y=[v["mean_wait"] for v in series.values()], name="Mean wait (s)", marker_color="#5694ca"))
    fig.add_trace(go.Scatter(x=xs, y=[v["p90_wait"] for v in series.values()], name="90th percentile (s)", mode="lines+markers",
                             line=dict(color="#003078")))
    fig.add_trace(go.Scatter(x=xs, y=[threshold] * len(xs), name=f"Threshold {threshold} s", mode="lines",
                             line=dict(color="#d4351c", dash="dash")))
    fig.update_layout(title=title, yaxis=dict(title="seconds"), xaxis=dict(type="category"))
    return _html(fig, div_id)
