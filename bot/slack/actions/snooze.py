"""A lead snoozes one finding for a set time, and anyone can see what feedback hid.

"Snooze…" on an insight asks the lead, ephemerally, for how long (1, 2 or 4 weeks); the
chosen snooze is stored (bot/slack/snoozes.py) and the engine keeps that one finding out
until it ends, instead of moving the kind's threshold. Health warnings are not snoozed.
"Show" (in the digest's and App Home's list of what feedback hid) answers with the hidden
finding itself, ephemerally, with its vote buttons: a hidden finding can be voted back up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.config import TeamConfig
from bot.slack import feedback, snoozes
from bot.slack.actions.picks import answer, read_pick, team_of
from bot.slack.blocks.common import context
from bot.slack.blocks.feedback import (
    SHOW_HIDDEN,
    SNOOZE,
    SNOOZE_FOR,
    Pick,
    local_date,
    snooze_chooser,
)
from bot.slack.blocks.insights import insight_blocks
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError, guarded, tell
from bot.slack.pool import BUSY, AnswerPool
from bot.slack.text import escape
from store.models import InsightRow

SNOOZE_ACTIONS = re.compile(f"^{SNOOZE_FOR}[0-9]$")


def not_a_lead_text(team_name: str) -> str:
    return (
        f"Only {escape(team_name)}'s leads snooze its findings. Vote-free ways to react: "
        "discuss it in the thread, or ask a lead."
    )


def _row(deps: BotDeps, pick: Pick) -> InsightRow:
    row = feedback.get_insight(deps.sessions, pick.insight_id)
    if row is None:
        raise UserError("That insight is no longer stored.")
    return row


Work = Callable[[BotDeps, dict[str, Any], Any, Any], None]


def _lead_row(
    deps: BotDeps, body: dict[str, Any], respond: Any, client: Any
) -> tuple[Pick, str, str, TeamConfig, InsightRow] | None:
    """(pick, action_id, user, team, insight) of a lead's click; None (and the clicker told)
    when they do not lead the team."""
    pick, action_id, user, _ = read_pick(body)
    team = team_of(deps, pick)
    if user not in team.leads:
        answer(body, respond, client, not_a_lead_text(team.name), replace=False)
        return None
    return pick, action_id, user, team, _row(deps, pick)


def ask(deps: BotDeps, body: dict[str, Any], respond: Any, client: Any) -> None:
    """ "Snooze…": ask the lead for how long (health warnings are refused here already)."""
    found = _lead_row(deps, body, respond, client)
    if found is None:
        return
    pick, _, _, team, row = found
    try:
        snoozes.plan(row, weeks=1, tz=team.tz, now=deps.now())
    except snoozes.NotSnoozable as exc:
        raise UserError(str(exc)) from None
    blocks = snooze_chooser(pick, row.title)
    answer(body, respond, client, f"Snooze “{escape(row.title)}”?", blocks, replace=False)


def snooze_for(deps: BotDeps, body: dict[str, Any], respond: Any, client: Any) -> None:
    """A length button: store the snooze and say until when."""
    found = _lead_row(deps, body, respond, client)
    if found is None:
        return
    _, action_id, user, team, row = found
    try:
        weeks = int(action_id.removeprefix(SNOOZE_FOR))
        done = snoozes.snooze(deps.sessions, row, weeks=weeks, tz=team.tz, by=user, now=deps.now())
    except (ValueError, snoozes.NotSnoozable) as exc:
        raise UserError(str(exc)) from None
    text = (
        f"Snoozed *{escape(row.title)}* until {local_date(done.ends_at, team.tz)} "
        f"(through {done.last_week}). The digest lists it under what feedback hid, with a "
        "Show button; it comes back by itself."
    )
    answer(body, respond, client, text)


def show(deps: BotDeps, body: dict[str, Any], respond: Any, client: Any) -> None:
    """ "Show": the hidden finding to whoever asked, with its vote buttons."""
    pick, _, _, _ = read_pick(body)
    team = team_of(deps, pick)
    row = _row(deps, pick)
    up, down = feedback.tally(deps.sessions, row.id)
    blocks = [
        context(_why(deps, row, team.slug, team.tz)),
        *insight_blocks(feedback.insight_of(row), interactive=True, up=up, down=down),
    ]
    answer(body, respond, client, f"Hidden finding: {escape(row.title)}", blocks, replace=False)


def _why(deps: BotDeps, row: InsightRow, team: str, tz: str) -> str:
    if row.hidden_by in ("snooze", None):
        ends = [
            s.ends_at
            for s in snoozes.active(deps.sessions, [team], deps.now())
            if s.kind == row.kind
        ]
        if ends:
            return f"_Snoozed by a lead until {local_date(max(ends), tz)}: kept out of the digest._"
    if row.hidden_by == "threshold":  # the finding's own note says by how much
        return "_Kept out of the digest by a threshold votes raised; a 👍 here counts._"
    if row.hidden_by:
        return f"_Kept out of the digest: {escape(row.hidden_note or row.hidden_by)}._"
    return "_Shown in the digest._"


def register(app: App, deps: BotDeps, answers: AnswerPool) -> None:
    """Wire "Snooze…", its length buttons and "Show" into `app`: each acks at once and does
    its work on the answer pool."""

    def on_pool(work: Work, what: str) -> Callable[..., None]:
        def ack_and_offer(ack: Ack, body: dict[str, Any], respond: Any, client: Any) -> None:
            ack()
            job = guarded(lambda: work(deps, body, respond, client), body, respond, client)
            if not answers.offer(job):
                tell(f"{what} {BUSY}", body, respond, client)

        return ack_and_offer

    app.action(SNOOZE)(on_pool(ask, "Nothing was snoozed."))
    app.action(SNOOZE_ACTIONS)(on_pool(snooze_for, "Nothing was snoozed."))
    app.action(SHOW_HIDDEN)(on_pool(show, "Nothing to show yet."))
