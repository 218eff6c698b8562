"""App Home's feedback section (pure): what feedback keeps out of the viewer's teams' digests.

One line per finding kept out of the team's latest digest (snoozed by a lead, or under a
threshold the team's votes raised) and per snooze in force, each with a "Show" button that
answers with the finding itself, vote buttons included: nothing is hidden silently and a
hidden finding can be voted back up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analytics.insights.hiding import Snooze
from bot.slack.blocks.common import Block, context, section
from bot.slack.blocks.feedback import kind_words, local_date, show_button
from bot.slack.text import escape


def _row_line(row: Any, snoozes: Sequence[Snooze], tz: str) -> str:
    what = f"{escape(kind_words(row.kind))} — *{escape(row.title)}*"
    where = f"{escape(row.team_slug)} · {escape(row.week)}"
    if row.hidden_by == "snooze":
        ends = [s.ends_at for s in snoozes if s.team == row.team_slug and s.kind == row.kind]
        until = local_date(max(ends), tz) if ends else "its end"
        return f"{where} · snoozed until {until} by a lead: {what}"
    return f"{where} · under the threshold the team's votes raised: {what}"


def feedback_section(
    hidden: Sequence[Any], snoozes: Sequence[Snooze], tz_of: Mapping[str, str]
) -> list[Block]:
    """Blocks for the Home tab; `hidden` are InsightRow-like rows with `hidden_by` set."""
    if not hidden and not snoozes:
        return []
    blocks: list[Block] = [section("*Kept out by feedback*")]
    shown_kinds = {(r.team_slug, r.kind) for r in hidden if r.hidden_by == "snooze"}
    for row in hidden:
        tz = tz_of.get(row.team_slug, "UTC")
        line = _row_line(row, snoozes, tz)
        blocks.append(section(line, accessory=show_button(row.id, row.team_slug)))
    for s in snoozes:
        if (s.team, s.kind) in shown_kinds:
            continue
        until = local_date(s.ends_at, tz_of.get(s.team, "UTC"))
        line = f"{escape(s.team)} · {escape(kind_words(s.kind))} snoozed until {until} by a lead"
        button = show_button(s.insight_id, s.team) if s.insight_id else None
        blocks.append(section(line, accessory=button))
    blocks.append(
        context("Votes rank findings and, within limits, move thresholds; they never hide one.")
    )
    return blocks
