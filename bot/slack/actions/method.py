""" "How this was computed" on an insight: the full method, told only to the person who asked.

The digest shows one line of figures per insight; the method paragraph (window, baseline,
peers, test, exclusions) lives in the button's value and comes back ephemerally on a click,
so the channel is not filled with it and nothing has to be looked up to answer.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.slack.blocks.insights import METHOD_LABEL, SHOW_METHOD, MethodNote
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError, guarded, tell
from bot.slack.pool import BUSY, AnswerPool
from bot.slack.text import escape, truncate

MAX_ANSWER = 3000


def method_text(note: MethodNote) -> str:
    """The ephemeral answer: which insight, then its method in full (escaped mrkdwn)."""
    title = f"*{METHOD_LABEL}:* {escape(note.title)}\n" if note.title else ""
    return truncate(title + escape(note.method or "No method was recorded."), MAX_ANSWER)


def register(app: App, deps: BotDeps, answers: AnswerPool) -> None:
    """Wire the method button into `app`: ack at once, answer on the bounded pool."""

    def ack_method(ack: Ack, body: dict[str, Any], respond: Any, client: Any) -> None:
        ack()
        if not answers.offer(guarded(lambda: answer(body, respond, client), body, respond, client)):
            tell(BUSY, body, respond, client)

    def answer(body: dict[str, Any], respond: Any, client: Any) -> None:
        action = body["actions"][0]
        try:
            note = MethodNote.decode(action.get("value") or "")
        except (ValueError, KeyError, TypeError):
            raise UserError("That button is broken (its value could not be read).") from None
        text = method_text(note)
        if body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
            return
        channel = (body.get("channel") or {}).get("id") or body["container"]["channel_id"]
        client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=text)

    app.action(SHOW_METHOD)(ack_method)
