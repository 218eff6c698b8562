"""Is this digest already in the channel? Asked before retrying a post of unknown outcome.

Every digest message carries its id in Slack message metadata (`EVENT_TYPE`, payload with
the digest id, team, week, audience). A process that died after Slack took the post, or
whose answer was lost, leaves the store unsure; the channel's history since the first claim
(minus `MARGIN` for clock skew) says for certain. The search is bounded: at most
`MAX_PAGES` pages of `PAGE` messages, and an unfinished search decides nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.digest.claims import Key

EVENT_TYPE = "metrics_bot_digest"
MARGIN = timedelta(minutes=5)
PAGE = 200
MAX_PAGES = 5


class Undecided(Exception):
    """The history could not be read to the start of the window: found or not is unknown."""


@dataclass(frozen=True)
class Found:
    channel: str
    ts: str


def metadata_for(key: Key) -> dict[str, Any]:
    """What chat.postMessage carries in `metadata` (no person, only the digest's identity)."""
    return {
        "event_type": EVENT_TYPE,
        "event_payload": {
            "digest_id": key.digest_id,
            "team": key.team,
            "week": key.week,
            "audience": key.audience,
        },
    }


def is_digest(message: dict[str, Any], key: Key) -> bool:
    meta = message.get("metadata")
    if not isinstance(meta, dict) or meta.get("event_type") != EVENT_TYPE:
        return False
    payload = meta.get("event_payload")
    return isinstance(payload, dict) and payload.get("digest_id") == key.digest_id


def conversation_id(client: Any, channel: str) -> str:
    """History needs a conversation id; a lead's user id becomes their DM's id."""
    if channel[:1] in ("U", "W"):
        opened = client.conversations_open(users=channel)
        return str(opened["channel"]["id"])
    return channel


def find_posted(client: Any, key: Key, channel: str, since: datetime) -> Found | None:
    """The digest's message in `channel` posted after `since - MARGIN`, or None if it is
    certainly not there. Raises Undecided if the window holds more than the search reads,
    and lets Slack API errors through (the caller keeps the row unsure)."""
    conversation = conversation_id(client, channel)
    oldest = f"{(since - MARGIN).timestamp():.6f}"
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = client.conversations_history(
            channel=conversation,
            oldest=oldest,
            inclusive=True,
            limit=PAGE,
            include_all_metadata=True,
            cursor=cursor,
        )
        for message in page.get("messages") or []:
            if is_digest(message, key):
                return Found(conversation, str(message["ts"]))
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or not cursor:
            return None
    raise Undecided(
        f"more than {MAX_PAGES * PAGE} messages in {channel} since {since:%Y-%m-%d %H:%M} UTC"
    )
