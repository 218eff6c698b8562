"""Slack's Block Kit limits, checked before anything is sent.

Slack rejects a whole message (`invalid_blocks`) when one field is too long, so builders
truncate what they put in and `check_blocks` is the guard that proves it: it names every
violation by JSON pointer, like Slack's own error, and `ensure_blocks` raises on any.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_BLOCK_ID = 255
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_MESSAGE_TEXT = 40_000
MAX_IMAGE_ALT = 2000


class BlockKitLimitError(ValueError):
    """A message would be refused by Slack; `problems` says where and why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def _text_len(obj: Any) -> int:
    if isinstance(obj, Mapping):
        text = obj.get("text")
        return len(text) if isinstance(text, str) else 0
    return 0


def _check_text(obj: Any, limit: int, ptr: str, out: list[str]) -> None:
    if not isinstance(obj, Mapping) or not isinstance(obj.get("text"), str):
        out.append(f"{ptr}: missing text")
        return
    n = _text_len(obj)
    if n == 0:
        out.append(f"{ptr}: empty text")
    elif n > limit:
        out.append(f"{ptr}: {n} characters, limit {limit}")


def _check_element(el: Any, ptr: str, out: list[str]) -> None:
    if not isinstance(el, Mapping):
        out.append(f"{ptr}: not an object")
        return
    action_id = el.get("action_id")
    if isinstance(action_id, str) and len(action_id) > MAX_ACTION_ID:
        out.append(f"{ptr}/action_id: {len(action_id)} characters, limit {MAX_ACTION_ID}")
    if el.get("type") == "button":
        _check_text(el.get("text"), MAX_BUTTON_TEXT, f"{ptr}/text", out)
        value = el.get("value")
        if isinstance(value, str) and len(value) > MAX_BUTTON_VALUE:
            out.append(f"{ptr}/value: {len(value)} characters, limit {MAX_BUTTON_VALUE}")


def check_blocks(
    blocks: Sequence[Mapping[str, Any]], *, max_blocks: int = MAX_MESSAGE_BLOCKS
) -> list[str]:
    """Every limit `blocks` breaks, as "pointer: reason" strings; [] when Slack would accept."""
    out: list[str] = []
    if len(blocks) > max_blocks:
        out.append(f"/blocks: {len(blocks)} blocks, limit {max_blocks}")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        ptr = f"/blocks/{i}"
        _check_block_id(block, ptr, seen, out)
        _check_block(block, ptr, out)
    return out


def _check_block_id(block: Mapping[str, Any], ptr: str, seen: set[str], out: list[str]) -> None:
    """A block_id must be short and unique in the message (`seen` holds the earlier ones)."""
    block_id = block.get("block_id")
    if not isinstance(block_id, str):
        return
    if len(block_id) > MAX_BLOCK_ID:
        out.append(f"{ptr}/block_id: {len(block_id)} characters, limit {MAX_BLOCK_ID}")
    if block_id in seen:
        out.append(f"{ptr}/block_id: duplicate {block_id!r}")
    seen.add(block_id)


def _check_block(block: Mapping[str, Any], ptr: str, out: list[str]) -> None:
    """The limits of the block's own type; a type the bot never builds is itself a problem."""
    kind = block.get("type")
    if kind == "section":
        _check_section(block, ptr, out)
    elif kind == "header":
        _check_text(block.get("text"), MAX_HEADER_TEXT, f"{ptr}/text", out)
    elif kind == "context":
        _check_context(block, ptr, out)
    elif kind == "actions":
        _check_actions(block, ptr, out)
    elif kind == "image":
        _check_image(block, ptr, out)
    elif kind != "divider":
        out.append(f"{ptr}: block type {kind!r} is not one the bot builds")


def _check_section(block: Mapping[str, Any], ptr: str, out: list[str]) -> None:
    """Text and/or up to MAX_FIELDS fields, each within its length, and a valid accessory."""
    if "text" in block:
        _check_text(block["text"], MAX_SECTION_TEXT, f"{ptr}/text", out)
    fields = block.get("fields") or []
    if "text" not in block and not fields:
        out.append(f"{ptr}: a section needs text or fields")
    if len(fields) > MAX_FIELDS:
        out.append(f"{ptr}/fields: {len(fields)} fields, limit {MAX_FIELDS}")
    for j, f in enumerate(fields):
        _check_text(f, MAX_FIELD_TEXT, f"{ptr}/fields/{j}", out)
    if "accessory" in block:
        _check_element(block["accessory"], f"{ptr}/accessory", out)


def _check_context(block: Mapping[str, Any], ptr: str, out: list[str]) -> None:
    """1 to MAX_CONTEXT_ELEMENTS elements; the text ones within the section text limit."""
    elements = block.get("elements") or []
    if not elements or len(elements) > MAX_CONTEXT_ELEMENTS:
        out.append(f"{ptr}/elements: {len(elements)} elements, 1 to {MAX_CONTEXT_ELEMENTS}")
    for j, el in enumerate(elements):
        if isinstance(el, Mapping) and el.get("type") in ("mrkdwn", "plain_text"):
            _check_text(el, MAX_SECTION_TEXT, f"{ptr}/elements/{j}", out)


def _check_actions(block: Mapping[str, Any], ptr: str, out: list[str]) -> None:
    """1 to MAX_ACTIONS_ELEMENTS elements with distinct action_ids, each element valid."""
    elements = block.get("elements") or []
    if not elements or len(elements) > MAX_ACTIONS_ELEMENTS:
        out.append(f"{ptr}/elements: {len(elements)} elements, 1 to {MAX_ACTIONS_ELEMENTS}")
    ids = [el.get("action_id") for el in elements if isinstance(el, Mapping)]
    if len([a for a in ids if a]) != len({a for a in ids if a}):
        out.append(f"{ptr}/elements: action_ids must be unique within the block")
    for j, el in enumerate(elements):
        _check_element(el, f"{ptr}/elements/{j}", out)


def _check_image(block: Mapping[str, Any], ptr: str, out: list[str]) -> None:
    """Slack refuses an image without alt text, or with more than MAX_IMAGE_ALT characters."""
    alt = block.get("alt_text")
    if not isinstance(alt, str) or not alt or len(alt) > MAX_IMAGE_ALT:
        out.append(f"{ptr}/alt_text: required, up to {MAX_IMAGE_ALT} characters")


def ensure_blocks(
    blocks: Sequence[Mapping[str, Any]], *, text: str = "", max_blocks: int = MAX_MESSAGE_BLOCKS
) -> None:
    """Raise BlockKitLimitError if Slack would refuse these blocks (or this fallback text)."""
    problems = check_blocks(blocks, max_blocks=max_blocks)
    if len(text) > MAX_MESSAGE_TEXT:
        problems.append(f"/text: {len(text)} characters, limit {MAX_MESSAGE_TEXT}")
    if problems:
        raise BlockKitLimitError(problems)
