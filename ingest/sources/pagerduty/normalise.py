"""Pure functions from PagerDuty payloads (incidents, log entries) to store rows.

Definitions recorded here (and relied on by analytics):
- `Incident.started_at`: the incident's `created_at` (PagerDuty's trigger time);
  `acknowledged_at`: the first `acknowledge_log_entry`; `resolved_at`: `resolved_at`, else the
  last `resolve_log_entry`, else `last_status_change_at`, and only once it is resolved.
- `Incident.service`: the PagerDuty service id (teams list their `pagerduty_services` by id);
  `severity`: the priority's name when the account uses priorities, else the urgency.
- `Page`: one row per `notify_log_entry` (a notification that reached a responder), at the
  time PagerDuty sent it, with the responder as a pseudonymous key: the hour each page reached
  someone, for out-of-hours paging shown only for groups.
- Escalations (`escalate_log_entry`) are counted in `EntrySummary` but not stored: no table
  holds them yet.
- `Person`: each responder, with the `time_zone` PagerDuty publishes on the user (read by the
  stream from `GET /users/{id}`: log entries only carry references; ingest.zones).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ingest.base import Page
from ingest.instants import parse_instant, require_instant
from ingest.zones import person_row
from store.models import Incident, Person
from store.models import Page as PageRow
from store.people import pseudonym

SOURCE = "pagerduty"
_PEOPLE_TYPES = frozenset({"user", "user_reference"})


@dataclass(frozen=True)
class EntrySummary:
    """What an incident's log entries say, in one pass."""

    acknowledged_at: datetime | None
    resolved_at: datetime | None
    escalations: int
    notifications: list[tuple[str, datetime, str | None]]  # (entry id, at, user id)


def summarise_entries(entries: Iterable[Mapping[str, Any]]) -> EntrySummary:
    """Log entries in any order (PagerDuty lists them newest first) to their milestones."""
    acks: list[datetime] = []
    resolves: list[datetime] = []
    escalations = 0
    notifications: list[tuple[str, datetime, str | None]] = []
    for entry in entries:
        kind = str(entry.get("type") or "")
        at = require_instant(entry.get("created_at"), f"log entry {entry.get('id')}")
        if kind == "acknowledge_log_entry":
            acks.append(at)
        elif kind == "resolve_log_entry":
            resolves.append(at)
        elif kind == "escalate_log_entry":
            escalations += 1
        elif kind == "notify_log_entry":
            notifications.append((str(entry["id"]), at, responder_id(entry)))
    return EntrySummary(
        acknowledged_at=min(acks) if acks else None,
        resolved_at=max(resolves) if resolves else None,
        escalations=escalations,
        notifications=sorted(notifications, key=lambda n: (n[1], n[0])),
    )


def responder_id(entry: Mapping[str, Any]) -> str | None:
    """The user a notify entry reached (`user`; older answers name them only as `agent`)."""
    for field in ("user", "agent"):
        ref = entry.get(field) or {}
        if ref.get("id") and ref.get("type", "user_reference") in _PEOPLE_TYPES:
            return str(ref["id"])
    return None


def responders(entries: Iterable[Mapping[str, Any]]) -> list[str]:
    """The ids of the users an incident's notifications reached, in first-seen order."""
    ids = (responder_id(e) for e in entries if e.get("type") == "notify_log_entry")
    return list(dict.fromkeys(i for i in ids if i))


def incident_rows(
    incident: Mapping[str, Any],
    entries: Iterable[Mapping[str, Any]],
    secret: bytes,
    *,
    team_slug: str | None = None,
    zones: Mapping[str, str | None] | None = None,
) -> Page:
    """One incident and its log entries to an Incident row, Page rows and responders;
    `zones`: the published zone of each responder (user id -> IANA name), where known."""
    page = Page(items=1)
    ident = str(incident["id"])
    summary = summarise_entries(entries)
    started = require_instant(incident.get("created_at"), f"incident {ident} created_at")
    resolved = None
    if incident.get("status") == "resolved":
        resolved = (
            parse_instant(incident.get("resolved_at"))
            or summary.resolved_at
            or parse_instant(incident.get("last_status_change_at"))
        )
    acknowledged = summary.acknowledged_at
    if acknowledged is None:
        acks = [parse_instant(a.get("at")) for a in incident.get("acknowledgements") or []]
        acknowledged = min((a for a in acks if a), default=None)
    service = (incident.get("service") or {}).get("id")
    priority = (incident.get("priority") or {}).get("summary")
    page.max_cursor = started
    page.add(
        Incident,
        {
            "source": SOURCE,
            "external_id": ident,
            "service": str(service) if service else None,
            "repo": None,
            "team_slug": team_slug,
            "title": str(incident.get("title") or incident.get("summary") or ""),
            "severity": str(priority or incident.get("urgency") or "") or None,
            "started_at": started,
            "acknowledged_at": acknowledged,
            "resolved_at": resolved,
            "url": incident.get("html_url"),
        },
    )
    _add_pages(page, summary, ident, secret, team_slug, zones or {})
    return page


def _add_pages(
    page: Page,
    summary: EntrySummary,
    incident_id: str,
    secret: bytes,
    team_slug: str | None,
    zones: Mapping[str, str | None],
) -> None:
    """A Page row per notification, and its responder's Person row with their zone."""
    for entry_id, at, user in summary.notifications:
        key = pseudonym(secret, SOURCE, user) if user else None
        if key:
            page.add(Person, person_row(key, False, zones.get(str(user)), SOURCE))
        page.add(
            PageRow,
            {
                "source": SOURCE,
                "external_id": entry_id,
                "incident_external_id": incident_id,
                "responder_key": key,
                "team_slug": team_slug,
                "at": at,
            },
        )
