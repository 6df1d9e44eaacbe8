"""Plotly charts for the caller profile, rendered to HTML fragments (JS served locally)."""
from __future__ import annotations

from collections.abc import Iterable

import plotly.graph_objects as go

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_LABEL_KEYS = ("subject", "week", "number", "name", "address", "email", "handle", "channel", "grade", "closing_code", "label", "key")
_VALUE_KEYS = ("count", "contacts", "n", "value", "total")


def pairs(obj) -> list[tuple[str, float]]:
    """Normalise a profile series ({label: n}, [(label, n)] or [{"subject": .., "count": ..}])."""
    if not obj:
        return []
    if isinstance(obj, dict):
        return [(str(k), v) for k, v in obj.items()]
    out = []
    for item in obj:
        if isinstance(item, dict):
            label = next((item[k] for k in _LABEL_KEYS if k in item), "")
            value = next((item[k] for k in _VALUE_KEYS if k in item), 0)
            out.append((str(label), value))
        elif isinstance(item, Iterable) and not isinstance(item, str):
            label, value, *_ = list(item) + [0]
            out.append((str(label), value))
    return out


def _html(fig: go.Figure, div_id: str) -> str:
    fig.update_layout(margin=dict(l=50, r=10, t=30, b=40), height=300, paper_bgcolor="white", plot_bgcolor="white",
                      font=dict(family="DejaVu Sans, sans-serif", size=12))
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config={"displayModeBar": False, "responsive": True})


def heatmap(grid: list[list[int]]) -> str:
    """Contacts by day of week (Mon..Sun) and hour of day, Europe/London."""
    fig = go.Figure(go.Heatmap(z=grid, x=[f"{h:02d}" for h in range(24)], y=DAYS, colorscale="Blues",
                               hovertemplate="%{y} %{x}:00 — %{z} contacts<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(title="Contacts by day and hour")
    return _html(fig, "chart-heatmap")


def weekly(series) -> str:
    data = pairs(series)
    fig = go.Figure(go.Bar(x=[d[0] for d in data], y=[d[1] for d in data], marker_color="#1d4f91",
                           hovertemplate="week of %{x}: %{y} contacts<extra></extra>"))
    fig.update_xaxes(type="category", title="week beginning")
    fig.update_layout(title="Contacts per week")
    return _html(fig, "chart-weekly")


def subjects(series, top: int = 12) -> str:
    data = sorted(pairs(series), key=lambda d: -float(d[1] or 0))[:top][::-1]
    fig = go.Figure(go.Bar(x=[d[1] for d in data], y=[d[0] or "(none)" for d in data], orientation="h", marker_color="#1d4f91"))
    fig.update_layout(title="Subjects")
    return _html(fig, "chart-subjects")
