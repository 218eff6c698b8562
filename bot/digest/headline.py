"""A headline figure of the digest: the week's value, how many items it stands on, and
whether it moved beyond the week-to-week noise (analytics.noise), in words.

An arrow appears only when the value lies outside its usual range (the stated test in
analytics.noise); otherwise the line says "within the usual range" and gives that range, so
a reader sees both the figure's usual spread and its n before reading anything into it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from analytics.noise import Move, UsualRange
from bot.digest.series import value_of
from bot.slack.catalog import norm
from bot.slack.text import escape
from bot.slack.values import MetricView, format_value

if TYPE_CHECKING:
    from analytics.values import MetricValue

NOUNS = {
    "deploy-frequency": "deployments",
    "lead-time": "PRs",
    "cfr": "deployments",
    "recovery-time": "incidents",
    "review-time": "PRs",
}
"""What a headline's n counts, per metric (the items its figure is computed from)."""

_ARROW = {"above": "↑", "below": "↓"}


@dataclass(frozen=True)
class Headline:
    """One headline figure with its noise reading."""

    view: MetricView
    move: Move | None = None
    usual: UsualRange | None = None
    weeks_with_value: int = 0
    baseline_weeks: int = 0

    @property
    def noun(self) -> str:
        """What n counts, singular for one ("n=1 incident")."""
        noun = NOUNS.get(norm(self.view.info.id), "items")
        return noun[:-1] if self.view.n == 1 and noun.endswith("s") else noun

    @property
    def n_text(self) -> str:
        """ "n=9 deployments": the items behind the week's figure."""
        return f"n={self.view.n} {self.noun}"

    @property
    def arrow(self) -> str:
        """↑ / ↓ only for a move beyond the usual range, else ""."""
        return _ARROW.get(self.move or "", "")

    def range_text(self) -> str:
        """ "2.1 d–3.9 d": the usual range in the figure's unit (never below 0)."""
        assert self.usual is not None
        unit = self.view.unit
        low = max(self.usual.low, 0.0)
        shown = format_value(low, unit).replace("0 min", "0 h")
        return f"{shown}–{format_value(self.usual.high, unit)}"

    def reading_text(self) -> str:
        """What the figure says against its usual range, or why nothing can be said."""
        v = self.view
        if v.withheld_reason:
            return f"withheld: {escape(v.withheld_reason)}"
        if v.value is None:
            return "no data"
        if self.usual is None:
            return (
                f"{v.shown}, no usual range yet ({self.weeks_with_value} of "
                f"{self.baseline_weeks} baseline weeks had a value)"
            )
        if self.move == "within":
            return f"{v.shown} within the usual range ({self.range_text()})"
        side = "above" if self.move == "above" else "below"
        return f"{v.shown} {self.arrow} {side} the usual range ({self.range_text()})"

    def short_text(self) -> str:
        """The compact reading for one-line summaries (the leaders' digest)."""
        v = self.view
        if v.withheld_reason:
            return f"withheld ({escape(v.withheld_reason)})"
        if v.value is None or self.usual is None or self.move == "within":
            return v.shown
        return f"{v.shown} {self.arrow} (usual {self.range_text()})"


def baseline_answers(
    answers: Sequence[MetricValue], start: datetime, weeks: int
) -> list[MetricValue]:
    """The `weeks` weekly answers that end at or before `start` (the digest's week's
    baseline weeks), oldest first."""
    return [mv for mv in answers if mv.period_end <= start][-weeks:]


def headline_of(
    view: MetricView, answers: Sequence[MetricValue], start: datetime, weeks: int
) -> Headline:
    """The headline of `view` for the week starting at `start`: the engine's own reading of
    it against its usual range (`analytics.values.Trend`, the one test of `analytics.noise`
    that the CLI, `/metrics` and App Home show too); the `weeks` weekly answers before it
    say how many baseline weeks had a value when there is no range."""
    values = [value_of(mv) for mv in baseline_answers(answers, start, weeks)]
    with_value = sum(v is not None for v in values)
    if view.withheld_reason or view.usual is None or view.direction not in _MOVE:
        return Headline(view, None, None, with_value, weeks)
    low, high, n = view.usual
    usual = UsualRange(low, high, math.nan, math.nan, n)
    return Headline(view, _MOVE[view.direction], usual, n, weeks)


_MOVE: dict[str, Move] = {"up": "above", "down": "below", "flat": "within"}
