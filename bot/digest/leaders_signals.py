"""What the leaders' weekly digest adds to the teams' lines: systemic issues (the same kind
of finding in two or more teams this week) and resource-allocation signals (where the org's
waiting piles up, in PR-days; which teams show a health warning). Team-level only (pure).

Hooked into bot/digest/leaders.py's `render_leaders_digest`.
"""

from __future__ import annotations

from collections.abc import Sequence

from analytics.insights.hiding import HEALTH_KINDS
from bot.digest.build import Digest
from bot.slack.blocks.common import Block, section
from bot.slack.text import escape

TOP_WAITING = 3


def systemic(digests: Sequence[Digest]) -> list[tuple[str, list[str]]]:
    """(a finding's title, the teams it was flagged in) for kinds flagged in 2+ teams."""
    teams: dict[str, list[str]] = {}
    title: dict[str, str] = {}
    for d in digests:
        for ins in d.insights:
            if d.team_name not in teams.setdefault(ins.kind, []):
                teams[ins.kind].append(d.team_name)
                title.setdefault(ins.kind, ins.title)
    found = [(title[k], names) for k, names in teams.items() if len(names) >= 2]
    return sorted(found, key=lambda x: (-len(x[1]), x[0]))


def waiting(digests: Sequence[Digest]) -> list[tuple[str, float, float]]:
    """(team, PR-days of waiting its findings cost, its share of the org's), largest first."""
    per_team = []
    for d in digests:
        days = sum(
            i.cost.amount for i in d.insights if i.cost is not None and "PR-days" in i.cost.unit
        )
        if days > 0:
            per_team.append((d.team_name, float(days)))
    total = sum(days for _, days in per_team)
    ranked = sorted(per_team, key=lambda x: (-x[1], x[0]))[:TOP_WAITING]
    return [(name, days, days / total) for name, days in ranked]


def health(digests: Sequence[Digest]) -> list[tuple[str, str]]:
    """(team, health warning title) of the week."""
    return [(d.team_name, i.title) for d in digests for i in d.insights if i.kind in HEALTH_KINDS]


def signal_blocks(digests: Sequence[Digest]) -> list[Block]:
    """Systemic issues and resource-allocation signals; nothing when there are none."""
    lines = [
        f"• *{escape(title)}*: in {len(names)} teams ({escape(', '.join(names))})"
        for title, names in systemic(digests)
    ]
    out: list[Block] = []
    if lines:
        out.append(section("*Systemic: the same finding in several teams*\n" + "\n".join(lines)))
    signals = [
        f"• {escape(name)}: {days:,.0f} PR-days of waiting, {share:.0%} of the org's flagged"
        for name, days, share in waiting(digests)
    ]
    signals += [f"• {escape(name)}: {escape(title)}" for name, title in health(digests)]
    if signals:
        out.append(
            section(
                "*Where attention and people may be needed* (waiting the findings cost; "
                "team-health warnings)\n" + "\n".join(signals)
            )
        )
    return out
