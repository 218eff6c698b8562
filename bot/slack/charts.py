"""The digest's trend charts, sized for Slack: one panel per metric, readable at 100 %.

Size. Slack shows an image in a message at about 360 px wide in the desktop client's
message column (it makes 360- and 720-px thumbnails of every upload), so a panel is drawn
for a 360 x 240 px display box and rendered at 2x (720 x 480 px) for high-density screens:
Slack never scales it down on a normal screen, and never up on a retina one. Text is set in
points; at 100 px per figure inch one point is 100/72 px at display size, so 8.5 pt labels
read at 11.8 px and the 10 pt title at 13.9 px (>= 11 px, MIN_TEXT_PX, checked by tests).

What a panel shows: the team's weekly values; its baseline band (p25-p75 of the baseline
weeks before the digest's week, see bot.digest.series); the similar teams' weekly median;
and the clock in the axis label ("working hours, Europe/Berlin" or "wall clock"), all taken
from the analytics answers. `chart_figure` is pure (builds the Figure, saves nothing) so
tests can inspect what is drawn. Uses matplotlib's object API with the Agg canvas (no pyplot
global state, safe in the scheduler's threads), imported lazily because it is slow to load.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

DISPLAY_WIDTH_PX = 360
DISPLAY_HEIGHT_PX = 240
PX_PER_INCH = 100
"""Display pixels per figure inch: the figure is DISPLAY_WIDTH_PX / 100 inches wide."""
SCALE = 2
"""Rendered pixels per display pixel (2x for high-density screens)."""
MIN_TEXT_PX = 11
LABEL_PT = 8.5
TITLE_PT = 10.0

TEAM_COLOUR = "#1264a3"
BAND_COLOUR = "#9ec5e8"
PEER_COLOUR = "#8a6d3b"
BAND_GID = "baseline-band"
PEER_GID = "peer-median"
TEAM_GID = "team-values"
ANNOTATED_GID = "annotated-weeks"

Point = tuple[str, float | None]


def display_px(points: float) -> float:
    """A font size in points as pixels at display size (what a person sees at 100 %)."""
    return points * PX_PER_INCH / 72


@dataclass(frozen=True)
class ChartSeries(Sequence[Point]):
    """One metric's recent weeks for one team, with what the chart compares them to.

    Iterating gives (week label, value) pairs, the plain series older callers pass around.
    """

    title: str
    axis: str
    """The y-axis label: the unit shown ("hours", "%", "per week")."""
    weeks: tuple[str, ...]
    values: tuple[float | None, ...]
    scale: float = 1.0
    """Multiplier from the engine's unit to the axis unit (100 for fractions shown in %)."""
    band: tuple[float, float] | None = None
    """p25 and p75 of the team's baseline weeks, in the engine's unit; None: no baseline."""
    band_weeks: int = 0
    peer_values: tuple[float | None, ...] = ()
    """The similar teams' median per week (same weeks), empty when there are no peers."""
    peers: tuple[str, ...] = ()
    clock: str = ""
    """The x-axis label's clock: "working hours, Europe/Berlin" or "wall clock" ("" if none)."""
    annotated: tuple[str, ...] = ()
    """Weeks (of `weeks`) a team annotation touches: hatched, so a dip reads as what it is."""

    def __len__(self) -> int:
        return len(self.weeks)

    @overload
    def __getitem__(self, i: int) -> Point: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Point]: ...
    def __getitem__(self, i: int | slice) -> Point | Sequence[Point]:
        pairs = list(zip(self.weeks, self.values, strict=True))
        return pairs[i]

    def __iter__(self) -> Iterator[Point]:
        return iter(zip(self.weeks, self.values, strict=True))


def as_chart(title: str, points: Sequence[Point]) -> ChartSeries:
    """A plain (week, value) series as a chart with no band, peers or clock."""
    if isinstance(points, ChartSeries):
        return points
    return ChartSeries(
        title=title,
        axis="",
        weeks=tuple(w for w, _ in points),
        values=tuple(v for _, v in points),
    )


def _nan(values: Sequence[float | None], scale: float) -> list[float]:
    return [float("nan") if v is None else v * scale for v in values]


def _draw(ax: object, chart: ChartSeries) -> None:
    """One panel: band, peers, team line, labels (all text >= MIN_TEXT_PX at display size)."""
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    xs = list(range(len(chart.weeks)))
    _draw_band(ax, chart)
    _draw_annotated(ax, chart)
    _draw_peers(ax, chart, xs)
    team = _draw_team(ax, chart, xs)
    _label(ax, chart, xs)
    _legend(ax, team)


def _draw_band(ax: Axes, chart: ChartSeries) -> None:
    """The baseline band behind the lines, so the eye sees at once which weeks left it."""
    if chart.band is None:
        return
    low, high = (b * chart.scale for b in chart.band)
    ax.axhspan(
        low,
        high,
        color=BAND_COLOUR,
        alpha=0.45,
        linewidth=0,
        gid=BAND_GID,
        label="baseline p25–p75",
    )


def _draw_annotated(ax: Axes, chart: ChartSeries) -> None:
    """A hatched column behind each annotated week."""
    for i, week in enumerate(chart.weeks):
        if week in chart.annotated:
            ax.axvspan(
                i - 0.45,
                i + 0.45,
                facecolor="none",
                edgecolor=PEER_COLOUR,
                hatch="//",
                alpha=0.5,
                linewidth=0,
                gid=ANNOTATED_GID,
                label="annotated" if week == chart.annotated[0] else None,
            )


def _draw_peers(ax: Axes, chart: ChartSeries, xs: list[int]) -> None:
    """The similar teams' weekly median, dashed; nothing when there are no peer values."""
    if not any(v is not None for v in chart.peer_values):
        return
    ax.plot(
        xs,
        _nan(chart.peer_values, chart.scale),
        color=PEER_COLOUR,
        linestyle="--",
        linewidth=1.4,
        gid=PEER_GID,
        label="similar teams",
    )


def _draw_team(ax: Axes, chart: ChartSeries, xs: list[int]) -> Line2D:
    """The team's own weekly values, drawn last so they sit on top; gaps where None."""
    (team,) = ax.plot(
        xs,
        _nan(chart.values, chart.scale),
        color=TEAM_COLOUR,
        marker="o",
        markersize=3.5,
        linewidth=2.0,
        gid=TEAM_GID,
        label="team",
    )
    return team


def _label(ax: Axes, chart: ChartSeries, xs: list[int]) -> None:
    """Title, week ticks, unit and clock, all at sizes readable at 100 % in Slack."""
    ax.set_title(chart.title, fontsize=TITLE_PT, loc="left", fontweight="bold", pad=20)
    ax.set_xticks(xs, list(chart.weeks), fontsize=LABEL_PT)
    if len(xs) > 6:  # every other week labelled, so labels never touch at 360 px
        for i, label in enumerate(ax.get_xticklabels()):
            label.set_visible((len(xs) - 1 - i) % 2 == 0)
    ax.tick_params(axis="y", labelsize=LABEL_PT)
    ax.set_ylabel(chart.axis, fontsize=LABEL_PT)
    if chart.clock:
        ax.set_xlabel(chart.clock, fontsize=LABEL_PT)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _legend(ax: Axes, team: Line2D) -> None:
    """One row above the panel, the team first, so it never hides a data point."""
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(
        handles=[team, *(h for h in handles if h is not team)],
        fontsize=LABEL_PT,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=3,
        frameon=False,
        handlelength=1.4,
        columnspacing=0.8,
        handletextpad=0.4,
        borderaxespad=0,
    )


def chart_figure(charts: Sequence[ChartSeries]) -> Figure:
    """The figure for `charts`, one 360 x 240 px (display) panel each, stacked (pure)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not charts:
        raise ValueError("nothing to chart")
    width = DISPLAY_WIDTH_PX / PX_PER_INCH
    height = DISPLAY_HEIGHT_PX / PX_PER_INCH * len(charts)
    fig = Figure(figsize=(width, height), dpi=PX_PER_INCH, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(charts), 1, squeeze=False)[:, 0]
    for ax, chart in zip(axes, charts, strict=True):
        _draw(ax, chart)
    return fig


def figure_png(fig: Figure) -> bytes:
    """PNG bytes at SCALE x the display size (no bbox cropping: the size stays exact)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PX_PER_INCH * SCALE, facecolor="white")
    return buf.getvalue()


def chart_png(chart: ChartSeries) -> bytes:
    """One metric's panel as a 720 x 480 PNG (shown at 360 x 240)."""
    return figure_png(chart_figure([chart]))


def trend_chart_png(
    series: Mapping[str, ChartSeries | Sequence[Point]], *, title: str = ""
) -> bytes:
    """All of a digest's panels in one PNG, stacked, each 360 px wide at display size.

    `title` is kept for callers of the older side-by-side chart; each panel has its own.
    """
    charts = [as_chart(label, points) for label, points in series.items() if len(points)]
    return figure_png(chart_figure(charts))
