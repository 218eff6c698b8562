"""Why a thumbs-down: the optional reason a lead gives after voting, kept with their vote.

The ephemeral prompt (bot/slack/blocks/feedback.py) offers three one-click reasons and
"Other…", which opens a modal (views.open, with the click's trigger_id) holding the same
choices and a short free-text note. Either way the reason lands on the lead's own vote;
"already known" then counts for ranking only (analytics/insights/feedback.py).
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.slack import feedback
from bot.slack.actions.picks import answer, read_pick, team_of
from bot.slack.blocks.feedback import (
    REASON,
    REASON_MORE,
    REASON_VIEW,
    REASONS,
    Pick,
    read_submission,
    reason_modal,
    reason_noted,
)
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError, guarded, tell
from bot.slack.pool import BUSY, AnswerPool

REASON_ACTIONS = re.compile(f"^{REASON}_({'|'.join(REASONS)})$")
NO_VOTE = "Your thumbs-down on it is gone (changed or never cast), so there is nothing to explain."


def _title(deps: BotDeps, pick: Pick) -> str:
    row = feedback.get_insight(deps.sessions, pick.insight_id)
    if row is None:
        raise UserError("That insight is no longer stored.")
    return row.title


def register(app: App, deps: BotDeps, answers: AnswerPool) -> None:
    """Wire the reason buttons, the "Other…" modal and its submission into `app`."""

    def ack_reason(ack: Ack, body: dict[str, Any], respond: Any, client: Any) -> None:
        ack()
        work = guarded(lambda: keep_reason(body, respond, client), body, respond, client)
        if not answers.offer(work):
            tell(f"The reason was not kept. {BUSY}", body, respond, client)

    def keep_reason(body: dict[str, Any], respond: Any, client: Any) -> None:
        pick, _, user, _ = read_pick(body)
        team_of(deps, pick)
        title = _title(deps, pick)
        if pick.choice not in REASONS:
            raise UserError("That button is broken (unknown reason).")
        kept = feedback.set_reason(
            deps.sessions, insight_id=pick.insight_id, voter=user, reason=pick.choice, note=None
        )
        answer(body, respond, client, reason_noted(pick.choice, title) if kept else NO_VOTE)

    def ack_more(ack: Ack, body: dict[str, Any], respond: Any, client: Any) -> None:
        """Open the modal right after the ack (a trigger_id lasts three seconds)."""
        ack()
        work = guarded(lambda: open_modal(body, client), body, respond, client)
        if not answers.offer(work):
            tell(BUSY, body, respond, client)

    def open_modal(body: dict[str, Any], client: Any) -> None:
        pick, _, _, _ = read_pick(body)
        team_of(deps, pick)
        trigger = body.get("trigger_id")
        if not isinstance(trigger, str) or not trigger:
            raise UserError("That click came without a trigger, so no form could be opened.")
        client.views_open(trigger_id=trigger, view=reason_modal(pick, _title(deps, pick)))

    def ack_view(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any) -> None:
        try:
            pick, code, note = read_submission(view)
        except Exception:
            ack(response_action="errors", errors={"reason": "Pick one of the reasons."})
            return
        ack()
        user = str((body.get("user") or {}).get("id") or "")
        answers.offer(guarded(lambda: keep(pick, code, note, user), body, None, None))

    def keep(pick: Pick, code: str, note: str | None, user: str) -> None:
        feedback.set_reason(
            deps.sessions, insight_id=pick.insight_id, voter=user, reason=code, note=note
        )

    app.action(REASON_ACTIONS)(ack_reason)
    app.action(REASON_MORE)(ack_more)
    app.view(REASON_VIEW)(ack_view)
