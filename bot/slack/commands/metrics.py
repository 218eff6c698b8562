"""`/metrics`: parse and ack at once (bad input answered in the ack), answer after the ack.

Slack waits 3 seconds for the ack. Parsing is pure and fast, so a typo gets its "did you
mean" immediately; anything that touches the engine is offered to the bounded answer pool
and reaches the person through `respond()` (ephemeral unless they asked to `share`). When
the pool is full the ack itself says so and the answer is never computed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App

from bot.core.views import catalog_of
from bot.slack.blocks.answers import Rendered
from bot.slack.commands.manage import answer_manage
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError, guarded
from bot.slack.grammar import MAX_TEXT, Command, parse
from bot.slack.limits import ensure_blocks
from bot.slack.manage_grammar import ManageCommand, is_manage, parse_manage
from bot.slack.pool import BUSY, AnswerPool
from bot.slack.service import answer


def parse_body(deps: BotDeps, body: dict[str, Any]) -> Command:
    """The Command in a slash command payload; UserError for anything else (never a crash)."""
    text, channel = body.get("text"), body.get("channel_id")
    team = deps.team_for_channel(channel if isinstance(channel, str) else None)
    cmd = parse(
        text if isinstance(text, str) else "",
        catalog=catalog_of(deps),
        teams=[t.slug for t in deps.config.teams],
        channel_team=team.slug if team else None,
    )
    user = body.get("user_id")
    return replace(cmd, user=user) if isinstance(user, str) else cmd


def parse_manage_body(deps: BotDeps, body: dict[str, Any]) -> ManageCommand:
    """The experiment or annotation request in a slash command payload."""
    text, channel = body.get("text"), body.get("channel_id")
    team = deps.team_for_channel(channel if isinstance(channel, str) else None)
    return parse_manage(
        text if isinstance(text, str) else "",
        teams=[t.slug for t in deps.config.teams],
        channel_team=team.slug if team else None,
    )


def register(app: App, deps: BotDeps, answers: AnswerPool) -> None:
    """Wire `/metrics` into `app`."""

    def ack_metrics(ack: Ack, body: dict[str, Any], respond: Any, client: Any) -> None:
        text = body.get("text")
        if isinstance(text, str) and len(text) <= MAX_TEXT and is_manage(text):
            ack_manage(ack, body, respond, client)
            return
        try:
            cmd = parse_body(deps, body)
        except UserError as err:
            ack(text=str(err), response_type="ephemeral")
            return
        if cmd.verb == "help":
            rendered = answer(deps, cmd)
            ack(text=rendered.text, blocks=rendered.blocks, response_type="ephemeral")
            return
        work = guarded(lambda: answer_metrics(cmd, respond), body, respond, client)
        if not answers.offer(work):
            ack(text=BUSY, response_type="ephemeral")
            return
        ack()

    def ack_manage(ack: Ack, body: dict[str, Any], respond: Any, client: Any) -> None:
        """Experiments and annotations: parsed before the ack, answered after it."""
        try:
            cmd = parse_manage_body(deps, body)
        except UserError as err:
            ack(text=str(err), response_type="ephemeral")
            return
        user = str(body.get("user_id") or "")
        work = guarded(
            lambda: reply(answer_manage(deps, cmd, user), respond), body, respond, client
        )
        if not answers.offer(work):
            ack(text=BUSY, response_type="ephemeral")
            return
        ack()

    def reply(rendered: Rendered, respond: Any) -> None:
        ensure_blocks(rendered.blocks, text=rendered.text)
        respond(
            text=rendered.text,
            blocks=rendered.blocks,
            response_type="ephemeral",
            replace_original=False,
        )

    def answer_metrics(cmd: Command, respond: Any) -> None:
        rendered = answer(deps, cmd)
        ensure_blocks(rendered.blocks, text=rendered.text)
        respond(
            text=rendered.text,
            blocks=rendered.blocks,
            response_type="in_channel" if cmd.share else "ephemeral",
            replace_original=False,
        )

    app.command("/metrics")(ack_metrics)
