"""The digest's team pulse: the question about the digest's week (five buttons), and the
last closed week's aggregate beside the delivery figures, with its trend.

Before anything is read, every pulse week whose time is up is closed (bot/core/pulse.py):
answers folded into the aggregate, the dedup hashes and their salt deleted. A week with
fewer answers than the minimum group shows nothing but how many it needed.

Hooked into the digest by bot/digest/extras.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from analytics.calendar import previous_weeks
from bot.config import TeamConfig
from bot.core import pulse
from bot.core.manage import ManageDeps
from bot.core.pulse import PulseView
from bot.slack.blocks.common import Block, section
from bot.slack.blocks.pulse import question_blocks
from bot.slack.blocks.trend import sparkline
from bot.slack.text import escape

TREND_WEEKS = 8


@dataclass(frozen=True)
class PulseSection:
    """What the digest says of the pulse: the question's week and the last closed one."""

    team: str
    week: str
    """The week the question asks about (the digest's)."""
    last: PulseView | None
    trend: tuple[float | None, ...]
    min_group: int


def pulse_section(deps: ManageDeps, team: TeamConfig, week: str) -> PulseSection | None:
    """The pulse of `team`'s digest of `week` (None when the team has no pulse)."""
    if not team.pulse:
        return None
    pulse.close_due(deps)
    weeks = previous_weeks(week, TREND_WEEKS + 1)[:-1]
    return PulseSection(
        team=team.slug,
        week=week,
        last=pulse.view(deps, team.slug, weeks[-1]),
        trend=pulse.trend(deps, team.slug, weeks),
        min_group=deps.config.thresholds.min_group_size,
    )


def pulse_line(p: PulseSection) -> str:
    """The aggregate beside the DORA figures ("" before the first week closes)."""
    last = p.last
    if last is None:
        return ""
    short = last.week.rsplit("-", 1)[-1]
    if not last.shown:
        return (
            f"*Team pulse* not shown for {short}: it is shown from {last.needed} answers, "
            "and fewer came in."
        )
    assert last.mean is not None
    words = ", ".join(f"{escape(w)}" + (f" ×{n}" if n > 1 else "") for w, n in last.words[:8])
    spark = sparkline(p.trend)
    return (
        f"*Team pulse* {last.mean:.1f} / 5 from {last.answers} people"
        + (f"  {spark}" if spark else "")
        + f"  _{short}_"
        + (f"\n_Words:_ {words}" if words else "")
    )


def pulse_blocks(p: PulseSection | None, *, interactive: bool) -> list[Block]:
    """The question (with buttons when `interactive`)."""
    if p is None:
        return []
    if not interactive:
        return [section(f"*Pulse:* {escape(pulse.QUESTION)} (answered in the team's digest)")]
    return question_blocks(p.team, p.week, pulse.QUESTION, p.min_group)


def pulse_text(p: PulseSection | None) -> list[str]:
    """The aggregate for the console ([] when there is none yet)."""
    if p is None or p.last is None:
        return []
    last, short = p.last, p.last.week.rsplit("-", 1)[-1]
    if not last.shown:
        return [f"  Team pulse not shown for {short}: it is shown from {last.needed} answers."]
    words = ", ".join(w + (f" x{n}" if n > 1 else "") for w, n in last.words[:8])
    spark = sparkline(p.trend)
    line = f"  Team pulse: {last.mean:.1f} / 5 from {last.answers} people {spark} ({short})"
    return [line, f"    words: {words}"] if words else [line]
