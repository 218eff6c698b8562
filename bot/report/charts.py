"""The report's chart: one panel per DORA figure of a scope, this quarter's weeks against
the previous quarter's (dashed) and last quarter's usual range (the band a real change must
leave). Matplotlib's object API on the Agg canvas (no pyplot state), imported lazily."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.report.dora import Figure, ScopeDora

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_IN, PANEL_IN, DPI = 7.2, 2.2, 100
THIS_COLOUR, LAST_COLOUR, BAND_COLOUR = "#1264a3", "#8a6d3b", "#9ec5e8"
_PERCENT = ("share", "fraction", "ratio", "rate")


def _scale(unit: str) -> tuple[float, str]:
    return (100.0, "%") if unit.strip().lower() in _PERCENT else (1.0, unit)


def _nan(values: Sequence[float | None], k: float) -> list[float]:
    return [math.nan if v is None else v * k for v in values]


def _panel(ax: Axes, f: Figure) -> None:
    k, axis = _scale(f.unit)
    this, last = _nan(f.weekly, k), _nan(f.previous_weekly, k)
    if f.usual is not None:
        ax.axhspan(
            max(f.usual.low, 0) * k,
            f.usual.high * k,
            color=BAND_COLOUR,
            alpha=0.35,
            label="last quarter's usual range",
        )
    ax.plot(
        range(1, len(last) + 1),
        last,
        "--",
        color=LAST_COLOUR,
        lw=1.2,
        label="last quarter",
    )
    ax.plot(
        range(1, len(this) + 1),
        this,
        "-o",
        color=THIS_COLOUR,
        lw=1.8,
        ms=3,
        label="this quarter",
    )
    ax.set_title(f.label, fontsize=10, loc="left")
    ax.set_ylabel(axis, fontsize=8.5)
    ax.set_xlabel("week of the quarter", fontsize=8.5)
    ax.tick_params(labelsize=8.5)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, frameon=False, loc="best")


def dora_chart_png(scope: ScopeDora) -> bytes:
    """The scope's DORA panels, stacked, as PNG bytes (ValueError without any figure)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    figures = [f for f in scope.figures if f.weekly or f.previous_weekly]
    if not figures:
        raise ValueError("nothing to chart")
    fig = MplFigure(figsize=(WIDTH_IN, PANEL_IN * len(figures)), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(figures), 1, squeeze=False)[:, 0]
    for ax, f in zip(axes, figures, strict=True):
        _panel(ax, f)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI * 2, facecolor="white")
    return buf.getvalue()
