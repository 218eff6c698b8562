"""API timestamps as aware UTC instants: one parser for every source.

GitHub's "2026-11-24T10:00:00Z", GitLab's "...T10:00:00.000Z", Jira's "...T10:00:00.000+0000",
PagerDuty's and Linear's ISO 8601 all go through Python 3.11's `fromisoformat`, which reads
`Z` and `+HHMM` itself.
"""

from __future__ import annotations

from datetime import UTC, datetime

_fromisoformat = datetime.fromisoformat


def parse_instant(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp (with `Z` or an offset) as an aware UTC instant; None if empty.

    Runs for every timestamp of a backfill, so the common "...Z" form takes the short way
    (`fromisoformat` returns the `UTC` singleton for it). A timestamp without an offset is
    taken as UTC."""
    if not value:
        return None
    parsed = _fromisoformat(value)
    tz = parsed.tzinfo
    if tz is UTC:
        return parsed
    if tz is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def require_instant(value: str | None, what: str) -> datetime:
    """Like `parse_instant`, for fields the API guarantees; a clear error if missing."""
    parsed = parse_instant(value)
    if parsed is None:
        raise ValueError(f"missing timestamp: {what}")
    return parsed
