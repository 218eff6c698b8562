"""The App Home tab: the viewer's teams (as a member or a lead) with their figures, goals and
latest flags, votes waiting, what feedback kept out (`kept_out`, from
bot/slack/blocks/home_feedback.py), a leader's org view, what the bot collects, and help
(pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.slack.blocks.common import Block, context, divider, fit, header, section
from bot.slack.limits import MAX_HOME_BLOCKS
from bot.slack.text import escape


@dataclass(frozen=True)
class HomeTeam:
    slug: str
    name: str
    channel: str
    is_lead: bool
    withheld: tuple[str, ...] = ()
    """What the team never gets, and why ("<metrics>: <reason>"): too few people."""
    figures: str = ""
    """The team's DORA figures over the last four weeks, on one line ("" to leave out)."""
    goals: tuple[str, ...] = ()
    """One line per goal with its last weeks."""


@dataclass(frozen=True)
class OrgRow:
    """One team in a leader's org view."""

    name: str
    figures: str
    flagged: int


def org_blocks(rows: Sequence[OrgRow]) -> list[Block]:
    """A leader's view across teams: each team's figures and how much is flagged lately."""
    if not rows:
        return []
    lines = [
        f"*{escape(r.name)}*: {escape(r.figures)}"
        + (f" · _{r.flagged} flagged lately_" if r.flagged else "")
        for r in rows
    ]
    chunks = ["\n".join(lines[i : i + 15]) for i in range(0, len(lines), 15)]
    return [
        divider(),
        section("*The organisation* (last 4 weeks, team-level)"),
        *(section(c) for c in chunks),
        context(
            "The weekly cross-team digest and the quarterly report go to the leadership "
            "channel; `metrics-bot report --quarter 2026Q3` writes a report on demand."
        ),
    ]


def _team_lines(t: HomeTeam, rows: Sequence[Any]) -> str:
    role = " (you lead it)" if t.is_lead else " (your team)"
    lines = [f"*{escape(t.name)}*{role} · <#{t.channel}>"]
    if t.figures:
        lines.append(f"Last 4 weeks: {escape(t.figures)}")
    lines += [f"Goal: {escape(g)}" for g in t.goals]
    if rows:
        lines += [
            f"• {escape(r.title)} _({escape(r.week)}, {escape(r.severity)})_" for r in rows[:3]
        ]
    else:
        lines.append("_Nothing flagged lately._")
    return "\n".join(lines)


def _withheld_block(t: HomeTeam) -> list[Block]:
    """What the team never gets and why (too few people), under its lines."""
    if not t.withheld:
        return []
    return [context("\n".join(f"Not shown: {escape(line)}" for line in t.withheld))]


def home_view(
    teams: Sequence[HomeTeam],
    latest: Mapping[str, Sequence[Any]],
    awaiting: Sequence[Any],
    all_teams: Sequence[str],
    kept_out: Sequence[Block] = (),
    *,
    org: Sequence[Block] = (),
    about: Sequence[Block] = (),
) -> dict[str, Any]:
    """A `views.publish` home view; `latest` maps team slug -> InsightRow-like rows; `org`
    is a leader's view (`org_blocks`), `about` what the bot collects."""
    blocks: list[Block] = [header("metrics-bot")]
    if teams:
        blocks.append(section("*Your teams*"))
        for t in teams:
            blocks.append(section(_team_lines(t, latest.get(t.slug) or [])))
            blocks.extend(_withheld_block(t))
    elif not org:
        blocks.append(
            section(
                "You lead no configured team. Try `/metrics dora <team>` for any team: "
                + (", ".join(f"`{escape(s)}`" for s in all_teams) or "none configured")
                + "."
            )
        )
    if awaiting:
        blocks.append(divider())
        blocks.append(section(f"*Waiting for your vote* ({len(awaiting)})"))
        for r in awaiting[:10]:
            blocks.append(
                context(
                    f"{escape(r.team_slug)} · {escape(r.week)} · {escape(r.title)}"
                    " – vote under it in the digest"
                )
            )
    if kept_out:
        blocks.append(divider())
        blocks.extend(kept_out)
    blocks.extend(org)
    if about:
        blocks.append(divider())
        blocks.append(header("What this bot collects"))
        blocks.extend(about)
    blocks.append(divider())
    blocks.append(
        section(
            "*Help*\n`/metrics help` lists everything. "
            "`/metrics review-time team-a 4w` answers one metric; "
            "`/metrics dora`, `health`, `bottlenecks` work in a team's channel without naming it."
        )
    )
    blocks.append(
        context("Team-level figures only: metrics improve systems, they never rate people.")
    )
    return {"type": "home", "blocks": fit(blocks, MAX_HOME_BLOCKS)}
