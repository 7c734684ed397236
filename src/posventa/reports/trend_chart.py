"""The compliance trend as an inline SVG drawn on the server: no JavaScript, no CDN.

A line of % met per week, 0-100 % on the vertical axis. Weeks with nothing decided have no
point (a gap, not a 0 % that would accuse). The figures are also given as a table beside
the chart, so a screen reader or a printout loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from posventa.reports.metrics import TrendPoint

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 12, 28


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y(percent: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - percent / 100)


def trend_svg(points: Sequence[TrendPoint], *, title: str, label: str) -> SafeString:
    """`title` names the chart (its <title>); `label` is the longer aria-label."""
    count = len(points)
    grid = format_html_join(
        "",
        '<line class="axis" x1="{}" x2="{}" y1="{}" y2="{}"/>'
        '<text x="{}" y="{}" text-anchor="end">{} %</text>',
        (
            (LEFT, WIDTH - RIGHT, f"{_y(level):.1f}", f"{_y(level):.1f}", LEFT - 6,
             f"{_y(level) + 4:.1f}", level)
            for level in (0, 50, 100)
        ),
    )  # fmt: skip
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (f"{_x(i, count):.1f}", HEIGHT - 8, date_format(point.start, "j M"))
            for i, point in enumerate(points)
        ),
    )
    # Consecutive weeks with a figure are joined; a week without one breaks the line.
    segments: list[list[tuple[float, float]]] = [[]]
    for i, point in enumerate(points):
        if point.percent_met is None:
            segments.append([])
        else:
            segments[-1].append((_x(i, count), _y(point.percent_met)))
    lines = format_html_join(
        "",
        '<polyline class="line" points="{}"/>',
        ((" ".join(f"{x:.1f},{y:.1f}" for x, y in segment),) for segment in segments if segment),
    )
    dots = format_html_join(
        "",
        '<circle class="dot" cx="{}" cy="{}" r="3.5"><title>{}: {} %</title></circle>',
        (
            (
                f"{_x(i, count):.1f}",
                f"{_y(p.percent_met):.1f}",
                date_format(p.start, "j M"),
                round(p.percent_met),
            )
            for i, p in enumerate(points)
            if p.percent_met is not None
        ),
    )
    return format_html(
        '<svg class="trend-chart" viewBox="0 0 {} {}" role="img" aria-label="{}"'
        ' xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}{}{}{}</svg>',
        WIDTH,
        HEIGHT,
        label,
        title,
        grid,
        ticks,
        lines,
        dots,
    )
