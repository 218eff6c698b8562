"""A forecast's distribution as a chart: the share of trials finished by each date (the
cumulative curve), the target date, and the 50% and 85% dates, sized like the digest's
panels (bot/slack/charts.py: 360 x 240 px display, rendered at 2x). Pure: `forecast_figure`
builds the Figure from plain values and saves nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.slack.charts import (
    DISPLAY_HEIGHT_PX,
    DISPLAY_WIDTH_PX,
    LABEL_PT,
    PX_PER_INCH,
    TEAM_COLOUR,
    TITLE_PT,
    figure_png,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TARGET_COLOUR = "#b3261e"
CURVE_GID = "finished-by"


def forecast_figure(
    title: str,
    as_of: date,
    weeks: Sequence[float],
    *,
    target_on: date | None,
    marks: Sequence[tuple[str, date | None]] = (),
) -> Figure:
    """The cumulative share of trials finished by each date after `as_of` (pure)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import date2num
    from matplotlib.figure import Figure

    fig = Figure(
        figsize=(DISPLAY_WIDTH_PX / PX_PER_INCH, DISPLAY_HEIGHT_PX / PX_PER_INCH),
        dpi=PX_PER_INCH,
        layout="constrained",
    )
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    done = np.sort(np.asarray(weeks, dtype=float))
    finite = done[np.isfinite(done)]
    days = date2num([as_of + timedelta(days=float(w) * 7) for w in finite])
    share = np.arange(1, len(finite) + 1) / max(len(done), 1)
    ax.step(days, share, where="post", color=TEAM_COLOUR, gid=CURVE_GID, label="finished by")
    if target_on is not None:
        ax.axvline(
            float(date2num(target_on)), color=TARGET_COLOUR, linestyle="--", label="target date"
        )
    for label, when in marks:
        if when is not None:
            x = float(date2num(when))
            ax.axvline(x, color="#555555", linewidth=0.8, linestyle=":")
            ax.annotate(label, (x, 0.02), fontsize=LABEL_PT, rotation=90, va="bottom")
    ax.xaxis_date()
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=TITLE_PT, loc="left")
    ax.set_ylabel("share of trials", fontsize=LABEL_PT)
    ax.tick_params(labelsize=LABEL_PT)
    ax.legend(fontsize=LABEL_PT, loc="lower right", frameon=False)
    fig.autofmt_xdate()
    return fig


def forecast_png(
    title: str,
    as_of: date,
    weeks: Sequence[float],
    *,
    target_on: date | None,
    marks: Sequence[tuple[str, date | None]] = (),
) -> bytes:
    """The chart as PNG bytes (720 x 480, shown at 360 x 240)."""
    return figure_png(forecast_figure(title, as_of, weeks, target_on=target_on, marks=marks))
