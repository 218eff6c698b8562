"""The PagerDuty incidents stream: one partition per service, walked in 6-month windows.

PagerDuty filters `/incidents` by creation time and refuses `since`/`until` more than six
months apart, so a walk goes window by window (180 days, oldest first, `sort_by=created_at`)
up to the sync's start, paging each window with `offset`/`limit` until `more` is false. Each
incident's log entries are read with it (their own offset paging).

Each responder's time zone is read from `GET /users/{id}` once per sync (log entries name
users by reference only). A user that cannot be read (deleted: 404; a key without users
access: 403, after which no other is tried) just has no zone; only a refused token (401)
stops the sync, as on any other request.

Incidents change after creation (acknowledged, resolved), but the API cannot list them by
update time. So an incident still open "holds" the bookmark at its creation: the walk reports
as its newest cursor the creation of the oldest open incident it saw (`extra["hold"]`), and
the next sync reads again from there. Incidents open longer than `hold_open_for` stop holding.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from ingest.base import Model, Page, Request, Stream, StreamContext
from ingest.errors import AuthError, IngestHTTPError, ScopeError
from ingest.http import ApiResponse, HttpPolicy
from ingest.paging import OffsetPaging
from ingest.sources.pagerduty import normalise as nm
from ingest.sources.pagerduty.config import PagerDutySourceConfig
from ingest.zones import published_zone
from store.models import Incident, Person
from store.models import Page as PageRow

log = logging.getLogger(__name__)

WINDOW = timedelta(days=180)  # six calendar months are never shorter than 181 days
ALL_SERVICES = "*"
EPOCH = datetime(2009, 1, 1, tzinfo=UTC)  # before PagerDuty existed
INCIDENTS = OffsetPaging(key="incidents", what="incidents")
LOG_ENTRIES = OffsetPaging(key="log_entries", what="log entries")


def pd_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class IncidentsStream(Stream):
    """Incidents with their log entries, per configured service."""

    name = "incidents"
    unit = "incidents"
    cursor_field = "created_at"
    keys: ClassVar[Mapping[Model, Sequence[str]]] = {
        Person: ("key",),
        Incident: ("source", "external_id"),
        PageRow: ("source", "external_id"),
    }

    def __init__(self, config: PagerDutySourceConfig, secret: bytes) -> None:
        self.config = config
        self.secret = secret
        self._zones: dict[str, str | None] = {}  # user id -> published zone, once per sync
        self._users_readable = True

    def partitions(self) -> list[str]:
        return [s.id for s in self.config.services] or [ALL_SERVICES]

    def request(self, partition: str, since: datetime | None, token: Any) -> Request:
        start = since or EPOCH
        offset = 0
        if isinstance(token, dict):
            start = datetime.fromisoformat(str(token["since"]))
            offset = int(token.get("offset") or 0)
        params: dict[str, Any] = {
            "since": pd_time(start),
            "until": pd_time(start + WINDOW),
            "offset": offset,
            "limit": self.config.page_size,
            "sort_by": "created_at:asc",
            "time_zone": "UTC",
        }
        if partition != ALL_SERVICES:
            params["service_ids[]"] = [partition]
        return Request("GET", f"{self.config.url}/incidents", params=params)

    def parse(self, response: ApiResponse, ctx: StreamContext) -> Page:
        incidents, following = INCIDENTS.read(response)
        query = httpx.URL(response.url).params
        window_start = nm.require_instant(query.get("since"), "window since")
        offset = int(query.get("offset") or 0)
        if offset == 0 and pd_time(window_start) == pd_time(ctx.since or EPOCH):
            ctx.extra.pop("hold", None)  # the first page of a walk
        page = Page()
        for incident in incidents:
            entries = log_entries(ctx.http, self.config.url, str(incident["id"]))
            service = (incident.get("service") or {}).get("id")
            one = nm.incident_rows(
                incident,
                entries,
                self.secret,
                team_slug=self.config.team_of(service),
                zones=self.zones(ctx.http, nm.responders(entries)),
            )
            page.extend(one)
            self._hold(incident, one.max_cursor, ctx)
        hold = nm.parse_instant(ctx.extra.get("hold"))
        if following is not None:
            page.next_token = {"since": window_start.isoformat(), "offset": following}
            page.done = False
        elif window_start + WINDOW < ctx.started_at:
            page.next_token = {"since": (window_start + WINDOW).isoformat(), "offset": 0}
            page.done = False
        else:
            page.done = True
            page.next_token = None
            page.max_cursor = ctx.started_at  # every window up to the sync's start was read
        if hold is not None and page.max_cursor is not None:
            page.max_cursor = min(page.max_cursor, hold)
        return page

    def zones(self, http: HttpPolicy, user_ids: Iterable[str]) -> dict[str, str | None]:
        """The published zone of each of `user_ids`, read once per sync."""
        for uid in user_ids:
            if uid not in self._zones:
                self._zones[uid] = self._read_zone(http, uid)
        return self._zones

    def _read_zone(self, http: HttpPolicy, uid: str) -> str | None:
        if not self._users_readable:
            return None
        try:
            data = http.request("GET", f"{self.config.url}/users/{quote(uid, safe='')}").data
        except AuthError:
            raise
        except IngestHTTPError as exc:  # a deleted user, or no access to users at all
            log.debug("pagerduty: no time zone for a user: %s", exc)
            self._users_readable = not isinstance(exc, ScopeError)
            return None
        user = data.get("user") if isinstance(data, dict) else None
        return published_zone(user.get("time_zone") if isinstance(user, dict) else None, nm.SOURCE)

    def _hold(
        self, incident: Mapping[str, Any], created: datetime | None, ctx: StreamContext
    ) -> None:
        if incident.get("status") == "resolved" or created is None:
            return
        if ctx.started_at - created > self.config.hold_open_for:
            return
        held = nm.parse_instant(ctx.extra.get("hold"))
        if held is None or created < held:
            ctx.extra["hold"] = created.isoformat()


def log_entries(http: HttpPolicy, base: str, incident_id: str) -> list[dict[str, Any]]:
    """Every log entry of an incident (notifications included), paged by offset."""
    params = {"limit": 100, "time_zone": "UTC", "is_overview": "false"}
    url = f"{base}/incidents/{incident_id}/log_entries"
    return LOG_ENTRIES.collect(http, Request("GET", url, params=params))
