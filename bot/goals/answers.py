"""`/metrics goal`: list a team's goals with their last weeks, preview a goal before it is
saved (how often the last 12 weeks would have missed it), remove one.

The preview carries a Save button; saving is for the team's leads (bot/slack/actions/goals.py
checks, and stores the goal with its reference). Reading goals is for everyone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.config import TeamConfig
from bot.goals.grammar import GoalError, parse_goal
from bot.goals.section import PROGRESS_WEEKS, GoalProgress
from bot.goals.store import remove_goal, started, team_goals, team_of
from bot.goals.weekly import Preview, history, preview, with_reference
from bot.goals.wording import marks, tally, target_text, week_text
from bot.slack.blocks.answers import Rendered
from bot.slack.blocks.common import Block, actions, button, context, section
from bot.slack.errors import UserError
from bot.slack.limits import ensure_blocks
from bot.slack.text import escape

if TYPE_CHECKING:
    from bot.slack.deps import BotDeps

SAVE_GOAL = "goal_save"
CANCEL_GOAL = "goal_cancel"


@dataclass(frozen=True)
class GoalPick:
    """What the Save button carries: the team and the goal as typed."""

    team: str
    text: str

    def encode(self) -> str:
        return json.dumps({"t": self.team, "g": self.text}, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str) -> GoalPick:
        data = json.loads(raw)
        return cls(str(data["t"]), str(data["g"]))


def read_goal(deps: BotDeps, team: TeamConfig, text: str, as_of: datetime) -> Preview:
    """Parse `text` for `team` and preview it over the last 12 weeks (UserError if unread)."""
    try:
        goal = parse_goal(text, deps.analytics.metrics, team_of(team))
    except GoalError as exc:
        raise UserError(str(exc)) from None
    local_day = as_of.astimezone(ZoneInfo(team.tz)).date()
    return preview(deps, team, started(goal, local_day), as_of)


def _unit(deps: BotDeps, metric: str) -> str:
    spec = deps.analytics.metrics.get(metric)
    return spec.unit if spec is not None else ""


def preview_answer(deps: BotDeps, team: TeamConfig, text: str) -> Rendered:
    """The preview of a goal, with Save (leads) and Cancel."""
    seen = read_goal(deps, team, text, deps.now())
    goal, unit = seen.goal, _unit(deps, seen.goal.metric)
    weeks = seen.weeks
    head = (
        f"*Goal for {escape(team.name)}:* `{escape(goal.text)}`\n"
        f"Read as: the weekly {escape(target_text(goal, unit))}.\n"
        f"*In the last {len(weeks)} full weeks it would have been {escape(tally(weeks))}* "
        f"({marks(weeks)}, oldest first)."
    )
    lines = [escape(week_text(w, unit)) for w in weeks]
    blocks: list[Block] = [
        section(head),
        context("\n".join(lines) or "No weekly figures yet."),
        actions(
            [
                button(
                    "Save goal", SAVE_GOAL, GoalPick(team.slug, goal.text).encode(), style="primary"
                ),
                button("Cancel", CANCEL_GOAL, "cancel"),
            ]
        ),
        context(
            f"Only {escape(team.name)}'s leads save goals. Weeks without a figure (no items, or "
            "withheld for privacy) never count as missed."
        ),
    ]
    text_out = f"Goal preview for {team.name}: {goal.text}: {tally(weeks)}"
    ensure_blocks(blocks, text=text_out)
    return Rendered(escape(text_out), blocks)


def list_answer(deps: BotDeps, team: TeamConfig) -> Rendered:
    """A team's goals, each with its last weeks; how to add and remove one."""
    views = team_goals(deps.sessions, team, deps.analytics.metrics)
    blocks: list[Block] = [section(f"*Goals of {escape(team.name)}*")]
    for view in views:
        goal = with_reference(deps, team, view.goal)
        results = tuple(history(deps, team, goal, PROGRESS_WEEKS, deps.now()))
        row = GoalProgress(view, _unit(deps, goal.metric), results)
        number = view.id.split(":", 1)[1]
        where = "set in the config" if view.source == "config" else f"goal {number}"
        blocks.append(section(f"{escape(row.line())}\n_{where}_"))
    if not views:
        blocks.append(section("_No goals yet._"))
    blocks.append(
        context(
            f"Add one: `/metrics goal {escape(team.slug)} review-time < 1 working day` (a "
            f"preview first). Remove one set in Slack: `/metrics goal {escape(team.slug)} "
            "remove N`. Goals in the config change in the config."
        )
    )
    text = f"Goals of {team.name}: {len(views)}"
    ensure_blocks(blocks, text=text)
    return Rendered(escape(text), blocks)


def remove_answer(deps: BotDeps, team: TeamConfig, number: str, user: str) -> Rendered:
    """Remove goal `number` (set in Slack) of `team`, for one of its leads."""
    if user not in team.leads:
        raise UserError(f"Only {team.name}'s leads remove its goals.")
    if not number.isdigit():
        raise UserError(f"Remove which goal? `/metrics goal {team.slug}` lists them by number.")
    removed = remove_goal(deps.sessions, team.slug, int(number), user, deps.now())
    if removed is None:
        raise UserError(
            f"{team.name} has no goal {number} set in Slack (`/metrics goal {team.slug}` lists "
            "them; goals in the config change in the config)."
        )
    text = f"Removed {team.name}'s goal {number}: {removed}"
    return Rendered(escape(text), [section(escape(text))])
