"""Charts drawn on the server as SVG: no script, nothing loaded from elsewhere, no inline styles
(the CSP forbids them — colours are presentation attributes and CSS classes).

Each chart is an image with a title and a description for screen readers (`role="img"`,
`aria-labelledby`); the same figures are always in a data table next to it, and every bar carries
its value as text, so nothing is told by colour or length alone."""
from __future__ import annotations

import math
from itertools import count

from markupsafe import Markup, escape

from app.reporting.figures import Suppressed

_ids = count(1)


def _number(value) -> str:
    if isinstance(value, Suppressed):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{int(value):,}".replace(",", ".")


def _value(value) -> float:
    return 0.0 if value is None or isinstance(value, Suppressed) else float(value)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _open(width: int, height: int, title: str, description: str, css: str) -> tuple[str, list[str]]:
    uid = f"chart-{next(_ids)}"
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-labelledby="{uid}-title {uid}-desc" focusable="false">'
            f'<title id="{uid}-title">{escape(title)}</title><desc id="{uid}-desc">{escape(description)}</desc>')
    return uid, [head]


def column_chart(points: list[tuple[str, object]], title: str, description: str) -> Markup:
    """Vertical bars over time (periods in order), with a value axis and labelled bars."""
    width, height = 720, 280
    left, right, top, bottom = 48, 8, 16, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    _uid, parts = _open(width, height, title, description, "chart-columns")
    if not points:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" class="chart-empty">–</text></svg>')
        return Markup("".join(parts))  # nosec B704 - SVG from numbers and escape()d labels
    top_value = _nice_max(max(_value(v) for _p, v in points))
    for step in range(5):  # grid lines and axis labels
        value = top_value * step / 4
        y = top + plot_h - plot_h * step / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="chart-grid" stroke="#d0d7de"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="chart-axis">{_number(value)}</text>')
    slot = plot_w / len(points)
    bar = max(slot * 0.7, 1)
    label_every = max(1, math.ceil(len(points) / 12))
    for index, (label, value) in enumerate(points):
        x = left + index * slot + (slot - bar) / 2
        h = plot_h * _value(value) / top_value
        y = top + plot_h - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" class="chart-bar" fill="#1d5b8f">'
                     f'<title>{escape(label)}: {escape(_number(value))}</title></rect>')
        if len(points) <= 16:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="chart-value">{escape(_number(value))}</text>')
        if index % label_every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="chart-axis">{escape(label)}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="#333"/></svg>')
    return Markup("".join(parts))  # nosec B704 - SVG from numbers and escape()d labels


def bar_chart(items: list[tuple[str, object]], title: str, description: str) -> Markup:
    """Horizontal bars, ranked (largest first), each labelled with its name and value."""
    row, label_w, value_w, width = 26, 260, 70, 720
    height = max(row * len(items) + 8, 40)
    plot_w = width - label_w - value_w
    _uid, parts = _open(width, height, title, description, "chart-bars")
    if not items:
        parts.append(f'<text x="{width / 2}" y="24" text-anchor="middle" class="chart-empty">–</text></svg>')
        return Markup("".join(parts))  # nosec B704 - SVG from numbers and escape()d labels
    top_value = max(_value(v) for _l, v in items) or 1.0
    for index, (label, value) in enumerate(items):
        y = 4 + index * row
        w = plot_w * _value(value) / top_value
        short = label if len(label) <= 36 else label[:35] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + row / 2 + 4:.1f}" text-anchor="end" class="chart-label">{escape(short)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" class="chart-bar" fill="#1d5b8f">'
                     f'<title>{escape(label)}: {escape(_number(value))}</title></rect>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + row / 2 + 4:.1f}" class="chart-value">{escape(_number(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704 - SVG from numbers and escape()d labels
