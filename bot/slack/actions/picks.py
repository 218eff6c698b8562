"""What the feedback follow-ups share: read a `Pick` click, check the lead, answer privately.

The follow-ups (a reason, a snooze, "Show") are ephemeral messages or answers about one
stored insight; a click on an ephemeral message can only be answered through its
response_url (chat.update cannot reach it), so `answer` replaces it there when it can.
"""

from __future__ import annotations

from typing import Any

from bot.config import TeamConfig
from bot.slack.blocks.common import Block
from bot.slack.blocks.feedback import Pick
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError
from bot.slack.limits import ensure_blocks
from bot.slack.text import echo


def _field(body: Any, *path: str) -> Any:
    for key in path:
        body = body.get(key) if isinstance(body, dict) else None
    return body


def read_pick(body: dict[str, Any]) -> tuple[Pick, str, str, str]:
    """(pick, action_id, user, channel) of a feedback button's click; UserError otherwise."""
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions else None
    raw = action.get("value") if isinstance(action, dict) else None
    try:
        pick = Pick.decode(raw if isinstance(raw, str) else "")
    except Exception:  # JSON of any shape
        raise UserError("That button is broken (its value could not be read).") from None
    action_id = str(action.get("action_id") or "") if isinstance(action, dict) else ""
    user = _field(body, "user", "id")
    channel = _field(body, "channel", "id") or _field(body, "container", "channel_id")
    if not isinstance(user, str) or not isinstance(channel, str) or not user or not channel:
        raise UserError("That click came without a user or channel, so it was not taken.")
    return pick, action_id, user, channel


def team_of(deps: BotDeps, pick: Pick) -> TeamConfig:
    team = deps.team(pick.team)
    if team is None:
        raise UserError(f"The team `{echo(pick.team)}` is no longer configured.")
    return team


def answer(
    body: dict[str, Any],
    respond: Any,
    client: Any,
    text: str,
    blocks: list[Block] | None = None,
    *,
    replace: bool = True,
) -> None:
    """Say `text` (and `blocks`) to the clicker only: replacing the ephemeral message the
    click came from when `replace`, else as a new ephemeral message."""
    if blocks:
        ensure_blocks(blocks, text=text)
    if body.get("response_url"):
        extra = {"blocks": blocks} if blocks else {}
        respond(text=text, response_type="ephemeral", replace_original=replace, **extra)
        return
    client.chat_postEphemeral(
        channel=_field(body, "channel", "id") or _field(body, "container", "channel_id"),
        user=_field(body, "user", "id"),
        text=text,
        **({"blocks": blocks} if blocks else {}),
    )
