"""Stance over time: the stacked bars of the chart page of `pcnwatch serve`.

From counts of stances by month (read from the `actor_stances` view), one bar
per period (a month; a quarter or a year when the span is long, so bars stay
readable on a phone), each split into support, mixed, neutral and oppose, with
the geometry of an SVG drawing. The drawing is a few rectangles that the page
template writes out: no chart library fits Datasette 0.65 and works offline,
and the page needs no JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from store.models import STANCES

# Bottom to top: the sides first, so their heights compare at a glance.
STACK = ("oppose", "mixed", "support", "neutral")
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 10, 30
MAX_LABELS = 8


@dataclass
class Bar:
    """One period: its label, first and last month, counts, and its rectangles."""

    label: str
    first: str
    last: str
    counts: dict[str, int]
    total: int = 0
    x: float = 0.0
    width: float = 0.0
    segments: list[dict] = field(default_factory=list)
    show_label: bool = True
    href: str = ""  # where the rows behind the bar are listed


def _month_index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _period(index: int, unit: str) -> tuple[str, int, int]:
    """(label, first month index, last month index) of the period holding month `index`."""
    year = index // 12
    if unit == "year":
        return str(year), year * 12, year * 12 + 11
    if unit == "quarter":
        q = (index % 12) // 3
        return f"{year} Q{q + 1}", year * 12 + q * 3, year * 12 + q * 3 + 2
    return _month(index), index, index


def unit_for(span_months: int) -> str:
    """Months for up to three years, quarters up to ten, years beyond."""
    return "month" if span_months <= 36 else "quarter" if span_months <= 120 else "year"


def stance_bars(by_month: Mapping[str, Mapping[str, int]]) -> dict:
    """The chart of `{"YYYY-MM": {stance: count}}`: bars, scale, ticks and the period unit."""
    months = sorted(m for m in by_month if m)
    if not months:
        return {"bars": [], "unit": "month", "max": 0, "ticks": [], "width": WIDTH,
                "height": HEIGHT, "plot": _plot()}
    first, last = _month_index(months[0]), _month_index(months[-1])
    unit = unit_for(last - first + 1)
    bars: dict[str, Bar] = {}
    for index in range(first, last + 1):
        label, lo, hi = _period(index, unit)
        bar = bars.setdefault(label, Bar(label, _month(lo), _month(hi),
                                         dict.fromkeys(STANCES, 0)))
        for stance, n in by_month.get(_month(index), {}).items():
            if stance in bar.counts:
                bar.counts[stance] += int(n)
    ordered = list(bars.values())
    top = max((sum(b.counts.values()) for b in ordered), default=0) or 1
    plot = _plot()
    slot = plot["width"] / len(ordered)
    every = max(1, -(-len(ordered) // MAX_LABELS))
    for i, bar in enumerate(ordered):
        bar.total = sum(bar.counts.values())
        bar.width = max(1.0, slot * 0.8)
        bar.x = round(plot["left"] + i * slot + (slot - bar.width) / 2, 2)
        bar.width = round(bar.width, 2)
        bar.show_label = i % every == 0
        y = plot["bottom"]
        for stance in STACK:
            n = bar.counts[stance]
            if not n:
                continue
            h = plot["height"] * n / top
            y -= h
            bar.segments.append({"stance": stance, "n": n, "y": round(y, 2),
                                 "height": round(h, 2)})
    ticks = sorted({0, top // 2, top}) if top > 1 else [0, 1]
    return {"bars": ordered, "unit": unit, "max": top, "width": WIDTH, "height": HEIGHT,
            "plot": plot, "ticks": [{"value": t, "y": round(plot["bottom"]
                                                            - plot["height"] * t / top, 2)}
                                    for t in ticks]}


def _plot() -> dict:
    return {"left": LEFT, "top": TOP, "right": WIDTH - RIGHT, "bottom": HEIGHT - BOTTOM,
            "width": WIDTH - LEFT - RIGHT, "height": HEIGHT - TOP - BOTTOM}
