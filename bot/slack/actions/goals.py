""" "Save goal" under a goal's preview: a lead saves it; anyone else is told who can.

The button carries the team and the goal as typed; the goal is read again (the grammar is
the same), a relative one gets its reference from the weeks before today, and the row is
stored (bot/goals/store.py). "Cancel" just removes the preview.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App

from bot.goals.answers import CANCEL_GOAL, SAVE_GOAL, GoalPick
from bot.goals.grammar import GoalError, parse_goal
from bot.goals.store import save_goal, started, team_of
from bot.goals.weekly import with_reference
from bot.goals.wording import target_text
from bot.slack.actions.picks import answer
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError, guarded, tell
from bot.slack.pool import BUSY, AnswerPool
from bot.slack.text import echo, escape


def _read(body: dict[str, Any]) -> tuple[GoalPick, str]:
    acts = body.get("actions")
    action = acts[0] if isinstance(acts, list) and acts else {}
    try:
        pick = GoalPick.decode(str(action.get("value") or ""))
    except (ValueError, KeyError, TypeError):
        raise UserError("That button is broken (its value could not be read).") from None
    user = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else None
    if not isinstance(user, str) or not user:
        raise UserError("That click came without a user, so it was not taken.")
    return pick, user


def save(deps: BotDeps, body: dict[str, Any], respond: Any, client: Any) -> None:
    """Store the previewed goal if the clicker leads the team."""
    pick, user = _read(body)
    team = deps.team(pick.team)
    if team is None:
        raise UserError(f"The team `{echo(pick.team)}` is no longer configured.")
    if user not in team.leads:
        raise UserError(f"Only {team.name}'s leads save its goals: ask one of them.")
    metrics = deps.analytics.metrics
    try:
        goal = parse_goal(pick.text, metrics, team_of(team))
    except GoalError as exc:
        raise UserError(str(exc)) from None
    now = deps.now()
    goal = with_reference(deps, team, started(goal, now.astimezone(ZoneInfo(team.tz)).date()))
    view = save_goal(deps.sessions, team.slug, goal, user, now)
    spec = metrics.get(goal.metric)
    number = view.id.split(":", 1)[1]
    text = (
        f"Saved goal {number} of {escape(team.name)}: `{escape(goal.text)}` (the weekly "
        f"{escape(target_text(goal, spec.unit if spec else ''))}). It shows in the team's "
        "digest from next week; a missed week becomes a finding with its evidence."
    )
    answer(body, respond, client, text)


def register(app: App, deps: BotDeps, answers: AnswerPool) -> None:
    """Wire Save and Cancel into `app`: ack at once, store on the bounded pool."""

    def ack_save(ack: Ack, body: dict[str, Any], respond: Any, client: Any) -> None:
        ack()
        work = guarded(lambda: save(deps, body, respond, client), body, respond, client)
        if not answers.offer(work):
            tell(BUSY, body, respond, client)

    def ack_cancel(ack: Ack, body: dict[str, Any], respond: Any, client: Any) -> None:
        ack()
        if body.get("response_url"):
            respond(delete_original=True)

    app.action(SAVE_GOAL)(ack_save)
    app.action(CANCEL_GOAL)(ack_cancel)
