"""👍/👎 on a flagged insight: only the team's leads vote; the message shows the new tally.

The button's value says which insight, which team and which way. A lead's vote is stored
(or changed) and the posted message is updated in place with `chat.update`; anyone else gets
an ephemeral line explaining who votes and why.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.slack import feedback
from bot.slack.blocks.insights import VOTE_DOWN, VOTE_UP, Vote, with_tally
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError, guarded, tell
from bot.slack.limits import ensure_blocks
from bot.slack.pool import BUSY, AnswerPool
from bot.slack.text import escape

VOTE_ACTIONS = re.compile(f"^({VOTE_UP}|{VOTE_DOWN})$")


def not_a_lead_text(team_name: str) -> str:
    return (
        f"Only {escape(team_name)}'s leads vote on its insights: their votes tune what the bot "
        "flags for the team. Ask a lead, or discuss the insight in the thread."
    )


def register(app: App, deps: BotDeps, answers: AnswerPool) -> None:
    """Wire the vote buttons into `app`."""

    def ack_vote(ack: Ack, body: dict[str, Any], respond: Any, client: Any) -> None:
        ack()
        if not answers.offer(guarded(lambda: record(body, client), body, respond, client)):
            tell(f"Your vote was not counted. {BUSY}", body, respond, client)

    def record(body: dict[str, Any], client: Any) -> None:
        action = body["actions"][0]
        try:
            vote = Vote.decode(action.get("value") or "")
        except (ValueError, KeyError, TypeError):
            raise UserError("That button is broken (its value could not be read).") from None
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or body["container"]["channel_id"]
        team = deps.team(vote.team)
        if team is None:
            raise UserError(f"The team `{escape(vote.team)}` is no longer configured.")
        if user not in team.leads:
            client.chat_postEphemeral(channel=channel, user=user, text=not_a_lead_text(team.name))
            return
        insight = feedback.get_insight(deps.sessions, vote.insight_id)
        if insight is None:
            raise UserError("That insight is no longer stored, so the vote could not be kept.")
        feedback.record_vote(
            deps.sessions, insight=insight, voter=user, value=vote.value, now=deps.now()
        )
        up, down = feedback.tally(deps.sessions, insight.id)
        message = body.get("message") or {}
        blocks = with_tally(message.get("blocks") or [], insight.id, up, down)
        if not blocks:
            return
        ensure_blocks(blocks)
        client.chat_update(
            channel=channel,
            ts=message.get("ts") or body["container"]["message_ts"],
            text=message.get("text") or "Weekly digest",
            blocks=blocks,
        )

    app.action(VOTE_ACTIONS)(ack_vote)
