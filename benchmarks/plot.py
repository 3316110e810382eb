"""A small SVG chart of how the costs grow, written without a plotting library."""

from __future__ import annotations

from typing import Any


_WIDTH, _HEIGHT, _PAD = 300, 220, 44


def _panel(x0: int, title: str, unit: str, points: list[tuple[str, float]]) -> list[str]:
    # One line chart: categorical x (the sizes), linear y from zero.
    top = max((v for _, v in points), default=1.0) * 1.15 or 1.0
    inner_w, inner_h = _WIDTH - _PAD - 12, _HEIGHT - 2 * _PAD

    def x(i: int) -> float:
        return x0 + _PAD + (inner_w * i / max(len(points) - 1, 1))

    def y(v: float) -> float:
        return _PAD + inner_h * (1 - v / top)

    bottom = _PAD + inner_h
    parts = [
        f'<text x="{x0 + _WIDTH / 2}" y="18" text-anchor="middle" font-weight="bold">{title}</text>',
        f'<text x="{x0 + 8}" y="{_PAD - 8}" font-size="10">{unit}</text>',
        f'<line x1="{x0 + _PAD}" y1="{bottom}" x2="{x0 + _PAD + inner_w}" y2="{bottom}" stroke="#888"/>',
        f'<line x1="{x0 + _PAD}" y1="{_PAD}" x2="{x0 + _PAD}" y2="{bottom}" stroke="#888"/>',
    ]
    parts.extend(
        f'<text x="{x0 + _PAD - 4}" y="{y(tick) + 3}" text-anchor="end" font-size="9">{tick:.3g}</text>'
        for tick in (0.0, top / 2, top)
    )
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(points)
    )
    parts.append(f'<path d="{path}" fill="none" stroke="#2a6fb0" stroke-width="2"/>')
    for i, (label, value) in enumerate(points):
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3" fill="#2a6fb0"/>')
        parts.append(
            f'<text x="{x(i):.1f}" y="{_PAD + inner_h + 14}" text-anchor="middle" '
            f'font-size="9">{label}</text>'
        )
        parts.append(
            f'<text x="{x(i):.1f}" y="{y(value) - 6:.1f}" text-anchor="middle" '
            f'font-size="9">{value:.3g}</text>'
        )
    return parts


def svg(results: dict[str, Any]) -> str | None:
    """The growth chart for a run's results, or ``None`` if the run did not measure growth."""
    panels = []
    find_spec = results.get("find_spec")
    if find_spec:
        points = [
            (label.replace(" aliases", ""), value)
            for label, value in find_spec["values"].items()
            if label.endswith("aliases")
        ]
        panels.append(("find_spec miss vs aliases", "ns", points))
    memory = results.get("memory")
    if memory:
        aliases = [(f"{int(k):,}", v) for k, v in memory["aliases_curve"].items()]
        sites = [(f"{int(k):,}", v) for k, v in memory["sites_curve"].items()]
        panels.append(("memory vs aliases", "MB", aliases))
        panels.append(("memory vs recorded sites", "MB", sites))
    if not panels:
        return None
    width = _WIDTH * len(panels)
    height = _HEIGHT + 10
    body = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for index, (title, unit, points) in enumerate(panels):
        body.extend(_panel(index * _WIDTH, title, unit, points))
    body.append("</svg>")
    return "\n".join(body) + "\n"
