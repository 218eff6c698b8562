"""👍/👎 on a flagged insight: only the team's leads vote; the message shows the new tally.

The button's value says which insight, which team and which way. A lead's vote is stored
(or changed) and the posted message is updated in place with `chat.update` (an ephemeral
"Show" answer through its response_url); anyone else gets an ephemeral line explaining who
votes and why. After a thumbs-down the lead is asked, ephemerally, for an optional reason
(bot/slack/actions/reasons.py).
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App

from bot.slack import feedback
from bot.slack.blocks.feedback import Pick, reason_prompt
from bot.slack.blocks.insights import VOTE_DOWN, VOTE_UP, Vote, with_tally
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError, guarded, tell
from bot.slack.limits import ensure_blocks
from bot.slack.pool import BUSY, AnswerPool
from bot.slack.text import echo, escape

VOTE_ACTIONS = re.compile(f"^({VOTE_UP}|{VOTE_DOWN})$")


def not_a_lead_text(team_name: str) -> str:
    return (
        f"Only {escape(team_name)}'s leads vote on its insights: their votes tune what the bot "
        "flags for the team. Ask a lead, or discuss the insight in the thread."
    )


def _field(body: Any, *path: str) -> Any:
    """body[path[0]][path[1]]..., or None where any step is missing or not an object."""
    for key in path:
        body = body.get(key) if isinstance(body, dict) else None
    return body


def read_click(body: dict[str, Any]) -> tuple[Vote, str, str]:
    """(vote, user, channel) of a vote button's `block_actions` payload; UserError otherwise."""
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions else None
    raw = action.get("value") if isinstance(action, dict) else None
    try:
        vote = Vote.decode(raw if isinstance(raw, str) else "")
    except Exception:  # JSON of any shape, huge numbers, infinities, deep nesting
        raise UserError("That button is broken (its value could not be read).") from None
    user = _field(body, "user", "id")
    channel = _field(body, "channel", "id") or _field(body, "container", "channel_id")
    if not isinstance(user, str) or not isinstance(channel, str) or not user or not channel:
        raise UserError("That click came without a user or channel, so it was not counted.")
    return vote, user, channel


def register(app: App, deps: BotDeps, answers: AnswerPool) -> None:
    """Wire the vote buttons into `app`."""

    def ack_vote(ack: Ack, body: dict[str, Any], respond: Any, client: Any) -> None:
        ack()
        work = guarded(lambda: record(body, client, respond), body, respond, client)
        if not answers.offer(work):
            tell(f"Your vote was not counted. {BUSY}", body, respond, client)

    def record(body: dict[str, Any], client: Any, respond: Any) -> None:
        vote, user, channel = read_click(body)
        team = deps.team(vote.team)
        if team is None:
            raise UserError(f"The team `{echo(vote.team)}` is no longer configured.")
        if user not in team.leads:
            client.chat_postEphemeral(channel=channel, user=user, text=not_a_lead_text(team.name))
            return
        insight = feedback.get_insight(deps.sessions, vote.insight_id)
        if insight is None:
            raise UserError("That insight is no longer stored, so the vote could not be kept.")
        feedback.record_vote(
            deps.sessions, insight=insight, voter=user, value=vote.value, now=deps.now()
        )
        show_tally(body, client, respond, channel, insight.id)
        if vote.value < 0:
            pick = Pick(insight.id, team.slug)
            text = f"Why was “{escape(insight.title)}” not useful? (optional)"
            blocks = reason_prompt(pick, insight.title)
            ensure_blocks(blocks)
            client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)

    def show_tally(
        body: dict[str, Any], client: Any, respond: Any, channel: str, insight_id: str
    ) -> None:
        """The message with this insight's new tally: updated in place, or (an ephemeral
        "Show" answer, which chat.update cannot reach) replaced through its response_url."""
        up, down = feedback.tally(deps.sessions, insight_id)
        raw_message = body.get("message")
        message: dict[str, Any] = raw_message if isinstance(raw_message, dict) else {}
        blocks = with_tally(message.get("blocks") or [], insight_id, up, down)
        if not blocks:
            return
        ensure_blocks(blocks)
        text = message.get("text") or "Weekly digest"
        if _field(body, "container", "is_ephemeral"):
            if body.get("response_url"):
                respond(text=text, blocks=blocks, replace_original=True)
            return
        client.chat_update(
            channel=channel,
            ts=message.get("ts") or _field(body, "container", "message_ts"),
            text=text,
            blocks=blocks,
        )

    app.action(VOTE_ACTIONS)(ack_vote)
