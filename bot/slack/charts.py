"""The digest's trend chart: a small PNG, one panel per metric, drawn without pyplot.

Uses matplotlib's object API with the Agg canvas (no global figure state, safe in the
scheduler's threads); imported lazily because matplotlib is slow to load.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence


def trend_chart_png(
    series: Mapping[str, Sequence[tuple[str, float | None]]], *, title: str
) -> bytes:
    """PNG bytes of the weekly series (label -> [(week, value)]); gaps where values are None."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = [(label, points) for label, points in series.items() if points]
    if not panels:
        raise ValueError("nothing to chart")
    fig = Figure(figsize=(4.0 * len(panels), 2.6), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (label, points) in zip(axes, panels, strict=True):
        xs = list(range(len(points)))
        ys = [float("nan") if v is None else v for _, v in points]
        ax.plot(xs, ys, marker="o", linewidth=1.8, color="#1264a3")
        ax.set_title(label, fontsize=9)
        ax.set_xticks(xs, [w for w, _ in points], fontsize=7, rotation=0)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
