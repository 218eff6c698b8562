"""Time zones that sources publish for their users, checked before they are stored.

Jira Cloud gives every user object a `timeZone` (the profile's zone, or the site's default
when the user set none or hides it); PagerDuty gives a user's `time_zone` on the user itself
(`GET /users/{id}`), not on the references that incidents and log entries carry. GitHub and
GitLab publish no zone for a user (a git commit's date carries its own offset instead).

A zone that is not an IANA name this machine knows is dropped with a debug log, never
raised: one odd profile must not fail a sync. Stored zones follow store.zones (the config's
zone is never overwritten).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)


@lru_cache(maxsize=1024)
def _known(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def published_zone(value: Any, source: str) -> str | None:
    """`value` when it names a known IANA zone, else None (logged at debug level)."""
    if value is None or value == "":
        return None
    name = str(value).strip()
    if name and _known(name):
        return name
    log.debug("%s: ignored the unknown time zone %r of a user", source, value)
    return None


def person_row(key: str, is_bot: bool, zone: str | None, source: str) -> dict[str, Any]:
    """A `Person` row with the zone `source` published for it (None: it published none)."""
    return {"key": key, "is_bot": is_bot, "tz": zone, "tz_source": source if zone else None}
