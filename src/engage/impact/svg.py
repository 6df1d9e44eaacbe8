"""Plain SVG charts for the PDF report (WeasyPrint draws them; no browser, no network)."""
from __future__ import annotations

from html import escape

W, H = 520, 220
LEFT, RIGHT, TOP, BOTTOM = 46, 10, 26, 38
COLOURS = ["#1d70b8", "#f47738", "#00703c", "#912b88"]


def _frame(title: str, ymax: float, unit: str) -> list[str]:
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="DejaVu Sans" font-size="10">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{LEFT}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>']
    for i in range(5):
        v = ymax * i / 4
        y = H - BOTTOM - (H - TOP - BOTTOM) * i / 4
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end">{v:.0f}{escape(unit)}</text>')
    return out


def _y(v: float, ymax: float) -> float:
    return H - BOTTOM - (H - TOP - BOTTOM) * (min(v, ymax) / ymax if ymax else 0)


def _labels(labels: list[str], xs: list[float]) -> list[str]:
    step = max(1, len(labels) // 12)
    return [f'<text x="{x:.1f}" y="{H - BOTTOM + 14}" text-anchor="middle">{escape(str(lab))}</text>'
            for i, (lab, x) in enumerate(zip(labels, xs)) if i % step == 0]


def bars(labels: list, values: list, title: str, unit: str = "", target: float | None = None, ymax: float | None = None,
         target_label: str = "target") -> str:
    vals = [0 if v is None else float(v) for v in values]
    ymax = ymax or max([*vals, target or 0, 1]) * 1.1
    out = _frame(title, ymax, unit)
    n = max(1, len(vals))
    slot = (W - LEFT - RIGHT) / n
    xs = []
    for i, v in enumerate(vals):
        x = LEFT + i * slot
        xs.append(x + slot / 2)
        if values[i] is not None:
            out.append(f'<rect x="{x + slot * 0.1:.1f}" y="{_y(v, ymax):.1f}" width="{slot * 0.8:.1f}" height="{H - BOTTOM - _y(v, ymax):.1f}" fill="{COLOURS[0]}"/>')
    if target is not None:
        y = _y(target, ymax)
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d4351c" stroke-width="1.5" stroke-dasharray="5,3"/>')
        out.append(f'<text x="{W - RIGHT}" y="{y - 3:.1f}" text-anchor="end" fill="#d4351c">{escape(target_label)}</text>')
    out += _labels([str(lab) for lab in labels], xs)
    out.append("</svg>")
    return "".join(out)


def lines(labels: list, series: dict[str, list], title: str, unit: str = "", ymax: float | None = None) -> str:
    allv = [float(v) for vs in series.values() for v in vs if v is not None]
    ymax = ymax or max([*allv, 1]) * 1.1
    out = _frame(title, ymax, unit)
    n = max(1, len(labels))
    slot = (W - LEFT - RIGHT) / n
    xs = [LEFT + slot * (i + 0.5) for i in range(n)]
    for k, (name, vs) in enumerate(series.items()):
        pts = [f"{x:.1f},{_y(float(v), ymax):.1f}" for x, v in zip(xs, vs) if v is not None]
        colour = COLOURS[k % len(COLOURS)]
        if pts:
            out.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{LEFT + 8 + k * 160}" y="{TOP + 4}" fill="{colour}">■ {escape(name)}</text>')
    out += _labels([str(lab) for lab in labels], xs)
    out.append("</svg>")
    return "".join(out)


def data_uri(svg: str) -> str:
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
