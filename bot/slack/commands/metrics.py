"""`/metrics`: parse and ack at once (bad input answered in the ack), answer after the ack.

Slack waits 3 seconds for the ack. Parsing is pure and fast, so a typo gets its "did you
mean" immediately; anything that touches the engine runs in the lazy listener and reaches
the person through `respond()` (ephemeral unless they asked to `share`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.digest.build import catalog_of
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError, guarded
from bot.slack.grammar import Command, parse
from bot.slack.limits import ensure_blocks
from bot.slack.service import answer


def parse_body(deps: BotDeps, body: dict[str, Any]) -> Command:
    team = deps.team_for_channel(body.get("channel_id"))
    return parse(
        body.get("text") or "",
        catalog=catalog_of(deps),
        teams=[t.slug for t in deps.config.teams],
        channel_team=team.slug if team else None,
    )


def register(app: App, deps: BotDeps) -> None:
    """Wire `/metrics` into `app`."""

    def ack_metrics(ack: Ack, body: dict[str, Any]) -> None:
        try:
            cmd = parse_body(deps, body)
        except UserError as err:
            ack(text=str(err), response_type="ephemeral")
            return
        if cmd.verb == "help":
            rendered = answer(deps, cmd)
            ack(text=rendered.text, blocks=rendered.blocks, response_type="ephemeral")
            return
        ack()

    def answer_metrics(body: dict[str, Any], respond: Any, client: Any, context: Any) -> None:
        try:
            cmd = parse_body(deps, body)
        except UserError:
            return  # already answered in the ack
        if cmd.verb == "help":
            return
        rendered = answer(deps, cmd)
        ensure_blocks(rendered.blocks, text=rendered.text)
        respond(
            text=rendered.text,
            blocks=rendered.blocks,
            response_type="in_channel" if cmd.share else "ephemeral",
            replace_original=False,
        )

    app.command("/metrics")(ack=ack_metrics, lazy=[guarded(answer_metrics)])
