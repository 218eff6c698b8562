"""What every GitHub normaliser shares: the source name, people, revert and offset parsing."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ingest.base import Page
from ingest.people import Identity
from ingest.people import People as SourcePeople
from ingest.sources.github.config import DEFAULT_BOT_PATTERNS

SOURCE = "github"
TERMINAL_DEPLOY_STATES = frozenset({"success", "failure", "error"})
_EVENT_KINDS = {
    "ReadyForReviewEvent": "ready_for_review",
    "ConvertToDraftEvent": "convert_to_draft",
    "ClosedEvent": "closed",
    "ReopenedEvent": "reopened",
    "MergedEvent": "merged",
}
_REST_EVENT_KINDS = {
    "ready_for_review": "ready_for_review",
    "convert_to_draft": "convert_to_draft",
    "closed": "closed",
    "reopened": "reopened",
    "merged": "merged",
}
_REVERT_TITLE = re.compile(r'^\s*Revert\s+"', re.IGNORECASE)
_REVERT_BODY = re.compile(
    r"\b(?:this\s+)?reverts?\s+(?:(?:pull\s+request|PR)\s+)?(?:[\w.-]+/[\w.-]+)?#(\d+)",
    re.IGNORECASE,
)
_SEVERITY = re.compile(r"^(?:sev|severity)[\s:_-]*(\w+)$", re.IGNORECASE)


# --- small parsers ---------------------------------------------------------------------------


def utc_offset_minutes(value: str | None) -> int | None:
    """The UTC offset a timestamp was written in, in minutes (git keeps the author's)."""
    if not value:
        return None
    return _offset_minutes(datetime.fromisoformat(value))


def _offset_minutes(parsed: datetime) -> int | None:
    offset = parsed.utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)


def reverted_number(title: str, body: str | None) -> int | None:
    """The PR number a revert PR reverts, from GitHub's "Revert" title and body conventions."""
    match = _REVERT_BODY.search(body or "")
    if match is None and _REVERT_TITLE.match(title or ""):
        match = _REVERT_BODY.search(title)
    return int(match.group(1)) if match else None


# --- people ----------------------------------------------------------------------------------


class People(SourcePeople):
    """GitHub logins to keys: a bot is `__typename`/`type` "Bot" or has the "[bot]" suffix."""

    def __init__(
        self,
        secret: bytes,
        bot_patterns: Sequence[str] = (),
        *,
        humans: Sequence[str] = (),
        bots: Sequence[str] = (),
    ) -> None:
        super().__init__(
            secret,
            SOURCE,
            bot_patterns,
            default_patterns=DEFAULT_BOT_PATTERNS,
            bot_suffix="[bot]",
            humans=humans,
            bots=bots,
        )

    def identity(self, login: str | None, typename: str | None = None) -> Identity | None:
        return self.identify(login, typename == "Bot")

    def add(self, page: Page, login: str | None, typename: str | None = None) -> Identity | None:
        """The identity of `login`, recording its `Person` row on `page`."""
        return self.record(page, login, typename == "Bot")


def _actor(node: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    if not node:
        return None, None
    return node.get("login"), node.get("__typename")


def _rest_user(node: Mapping[str, Any] | None) -> tuple[str | None, str | None]:
    if not node:
        return None, None
    return node.get("login"), node.get("type")
