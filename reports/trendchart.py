"""Geometry of the readiness-over-time chart (inline SVG drawn by
templates/reports/_trend_chart.html): sites ready as bars, the median score as a line."""

from __future__ import annotations

from dataclasses import dataclass

from reports.overview import TrendPoint

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 48, 16, 40  # margins for the axes' labels
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label_x: float
    month: str
    point: TrendPoint


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    bars: list[Bar]
    score_line: str  # polyline points; "" when no month has a score
    score_dots: list[tuple[float, float]]
    count_ticks: list[Tick]
    score_ticks: list[Tick]
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if value <= step * 4:
            return step * 4
    return value


def trend_chart(points: list[TrendPoint]) -> TrendChart:
    top_count = _nice_max(max([p.sites for p in points] + [1]))
    slot = PLOT_W / max(len(points), 1)
    bars, dots = [], []
    for i, point in enumerate(points):
        height = PLOT_H * point.ready / top_count
        x = LEFT + i * slot + slot * 0.2
        bars.append(
            Bar(
                round(x, 1),
                round(TOP + PLOT_H - height, 1),
                round(slot * 0.6, 1),
                round(height, 1),
                round(LEFT + i * slot + slot / 2, 1),
                f"{point.on:%b}",
                point,
            )
        )
        if point.median_score is not None:
            dots.append(
                (
                    round(LEFT + i * slot + slot / 2, 1),
                    round(TOP + PLOT_H * (1 - point.median_score), 1),
                )
            )
    count_ticks = [
        Tick(round(TOP + PLOT_H * (1 - k / 4), 1), str(top_count * k // 4)) for k in range(5)
    ]
    score_ticks = [Tick(round(TOP + PLOT_H * (1 - k / 4), 1), f"{25 * k}%") for k in range(5)]
    return TrendChart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        score_line=" ".join(f"{x},{y}" for x, y in dots),
        score_dots=dots,
        count_ticks=count_ticks,
        score_ticks=score_ticks,
    )
