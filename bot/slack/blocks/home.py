"""The App Home tab: the viewer's teams, their latest flags, votes waiting, what feedback
kept out (`kept_out`, from bot/slack/blocks/home_feedback.py), and help (pure)."""

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


def home_view(
    teams: Sequence[HomeTeam],
    latest: Mapping[str, Sequence[Any]],
    awaiting: Sequence[Any],
    all_teams: Sequence[str],
    kept_out: Sequence[Block] = (),
) -> dict[str, Any]:
    """A `views.publish` home view; `latest` maps team slug -> InsightRow-like rows."""
    blocks: list[Block] = [header("metrics-bot")]
    if teams:
        blocks.append(section("*Your teams*"))
        for t in teams:
            role = " (you lead it)" if t.is_lead else ""
            rows = latest.get(t.slug) or []
            lines = [f"*{escape(t.name)}*{role} · <#{t.channel}>"]
            if rows:
                lines += [
                    f"• {escape(r.title)} _({escape(r.week)}, {escape(r.severity)})_"
                    for r in rows[:3]
                ]
            else:
                lines.append("_Nothing flagged lately._")
            blocks.append(section("\n".join(lines)))
            if t.withheld:
                blocks.append(
                    context("\n".join(f"Not shown: {escape(line)}" for line in t.withheld))
                )
    else:
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
