"""The few Block Kit shapes every message uses, each clipped to Slack's limits.

Builders take text that is already escaped (see bot.slack.text) and only clip it, so the
limit guard in bot.slack.limits never has to reject a message the bot built itself.
"""

from __future__ import annotations

from typing import Any

from bot.slack import limits
from bot.slack.text import plain, truncate

Block = dict[str, Any]


def header(text: str) -> Block:
    """A header line (plain text, 150 characters)."""
    return {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": truncate(plain(text) or " ", limits.MAX_HEADER_TEXT),
        },
    }


def section(mrkdwn: str, *, block_id: str | None = None, accessory: Block | None = None) -> Block:
    """A mrkdwn section (3000 characters)."""
    block: Block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": truncate(mrkdwn or " ", limits.MAX_SECTION_TEXT)},
    }
    if block_id:
        block["block_id"] = block_id[: limits.MAX_BLOCK_ID]
    if accessory:
        block["accessory"] = accessory
    return block


def fields(items: list[str]) -> Block:
    """A section of up to ten short mrkdwn fields, two columns wide."""
    return {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": truncate(t or " ", limits.MAX_FIELD_TEXT)}
            for t in items[: limits.MAX_FIELDS]
        ],
    }


def context(*texts: str, block_id: str | None = None) -> Block:
    """Small grey text under a block (up to ten pieces)."""
    block: Block = {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": truncate(t or " ", limits.MAX_SECTION_TEXT)}
            for t in texts[: limits.MAX_CONTEXT_ELEMENTS]
        ],
    }
    if block_id:
        block["block_id"] = block_id[: limits.MAX_BLOCK_ID]
    return block


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    """A button; its value must fit (2000) because it is the vote's whole state."""
    if len(value) > limits.MAX_BUTTON_VALUE:
        raise limits.BlockKitLimitError([f"button value {len(value)} > {limits.MAX_BUTTON_VALUE}"])
    el: Block = {
        "type": "button",
        "text": {
            "type": "plain_text",
            "text": truncate(text, limits.MAX_BUTTON_TEXT),
            "emoji": True,
        },
        "action_id": action_id[: limits.MAX_ACTION_ID],
        "value": value,
    }
    if style in ("primary", "danger"):
        el["style"] = style
    return el


def actions(elements: list[Block], *, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": elements[: limits.MAX_ACTIONS_ELEMENTS]}
    if block_id:
        block["block_id"] = block_id[: limits.MAX_BLOCK_ID]
    return block


def fit(blocks: list[Block], max_blocks: int = limits.MAX_MESSAGE_BLOCKS) -> list[Block]:
    """Keep at most `max_blocks`, replacing the overflow with one "more" note."""
    if len(blocks) <= max_blocks:
        return blocks
    kept = blocks[: max_blocks - 1]
    return [
        *kept,
        context(f"_{len(blocks) - len(kept)} more blocks left out to fit Slack's limit._"),
    ]
