"""World PdIncidents and services -> PagerDuty REST API v2 JSON objects.

Shapes follow the recorded answers in tests/fixtures/pagerduty (key sets compared by a
test). Times are rendered in the request's `time_zone` ("Z" for UTC), as PagerDuty does.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sandbox.fakes._base import JSON, parse_instant, stable_hex

API = "https://api.pagerduty.com"
_SUMMARY = {
    "trigger_log_entry": "Triggered through the API.",
    "notify_log_entry": "Notified {who} by push notification.",
    "acknowledge_log_entry": "Acknowledged by {who}.",
    "resolve_log_entry": "Resolved by {who}.",
    "escalate_log_entry": "Escalated to {who}.",
    "assign_log_entry": "Assigned to {who}.",
    "annotate_log_entry": "Note added by {who}.",
}
_CHANNEL = {
    "trigger_log_entry": "api",
    "notify_log_entry": "auto",
    "acknowledge_log_entry": "mobile",
    "resolve_log_entry": "website",
}
_WITH_DETAILS = {"trigger_log_entry", "acknowledge_log_entry", "resolve_log_entry"}


@dataclass(frozen=True)
class Site:
    html: str  # e.g. "https://acme.pagerduty.com"
    people: dict[str, JSON]  # pagerduty_id -> Person
    services: dict[str, JSON]  # service id -> {"id", "name", "team"}

    def user_ref(self, uid: str) -> JSON:
        person = self.people.get(uid, {})
        return {
            "id": uid,
            "type": "user_reference",
            "summary": person.get("name", uid),
            "self": f"{API}/users/{uid}",
            "html_url": f"{self.html}/users/{uid}",
        }

    def user(self, uid: str) -> JSON | None:
        """The full user (GET /users/{id}), with the person's zone as `time_zone`."""
        person = self.people.get(uid)
        if person is None:
            return None
        return {
            **self.user_ref(uid),
            "type": "user",
            "name": person.get("name", uid),
            "email": f"{uid.lower()}@example.invalid",
            "time_zone": person.get("tz", "UTC"),
            "color": "purple",
            "role": "user",
            "avatar_url": f"https://secure.gravatar.com/avatar/{stable_hex(uid, 32)}.png",
            "description": None,
            "invitation_sent": False,
            "job_title": None,
            "teams": [],
            "contact_methods": [],
            "notification_rules": [],
            "coordinated_incidents": [],
        }

    def service_ref(self, sid: str) -> JSON:
        service = self.services.get(sid, {})
        return {
            "id": sid,
            "type": "service_reference",
            "summary": service.get("name", sid),
            "self": f"{API}/services/{sid}",
            "html_url": f"{self.html}/service-directory/{sid}",
        }

    def team_refs(self, sid: str) -> list[JSON]:
        team = self.services.get(sid, {}).get("team")
        if not team:
            return []
        tid = "P" + stable_hex(f"pd-team:{team}", 6).upper()
        return [
            {
                "id": tid,
                "type": "team_reference",
                "summary": str(team),
                "self": f"{API}/teams/{tid}",
                "html_url": f"{self.html}/teams/{tid}",
            }
        ]

    def policy_ref(self, sid: str) -> JSON:
        pid = "P" + stable_hex(f"pd-ep:{sid}", 6).upper()
        return {
            "id": pid,
            "type": "escalation_policy_reference",
            "summary": f"{self.services.get(sid, {}).get('name', sid)}-ep",
            "self": f"{API}/escalation_policies/{pid}",
            "html_url": f"{self.html}/escalation_policies/{pid}",
        }


def pd_time(value: str, tz: ZoneInfo | None) -> str:
    at = parse_instant(value)
    if tz is None:
        return at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return at.astimezone(tz).isoformat(timespec="seconds")


def incident_ref(inc: JSON, site: Site) -> JSON:
    return {
        "id": inc["id"],
        "type": "incident_reference",
        "summary": f"[#{inc['incident_number']}] {inc['title']}",
        "self": f"{API}/incidents/{inc['id']}",
        "html_url": f"{site.html}/incidents/{inc['id']}",
    }


def log_entry(inc: JSON, entry: JSON, site: Site, tz: ZoneInfo | None) -> JSON:
    kind = str(entry["type"])
    agent_id = entry.get("agent")
    who = site.user_ref(agent_id)["summary"] if agent_id else "the service"
    out: JSON = {
        "id": entry["id"],
        "type": kind,
        "summary": _SUMMARY.get(kind, kind.replace("_", " ")).format(who=who),
        "self": f"{API}/log_entries/{entry['id']}",
        "html_url": None,
        "created_at": pd_time(entry["created_at"], tz),
        "channel": {"type": _CHANNEL.get(kind, "auto")},
        "service": site.service_ref(inc["service"]),
        "incident": incident_ref(inc, site),
        "teams": site.team_refs(inc["service"]),
        "contexts": [],
    }
    if kind == "notify_log_entry":
        if agent_id:
            out["user"] = site.user_ref(agent_id)
    elif agent_id:
        out["agent"] = site.user_ref(agent_id)
    else:
        out["agent"] = site.service_ref(inc["service"])
    if kind in _WITH_DETAILS:
        out["event_details"] = {"description": inc["title"]} if kind.startswith("trigger") else {}
    return out


def incident(inc: JSON, site: Site, tz: ZoneInfo | None) -> JSON:
    entries = inc.get("log_entries", [])
    trigger = next((e for e in entries if e["type"] == "trigger_log_entry"), None)
    changes = [
        e
        for e in entries
        if e["type"] in ("trigger_log_entry", "acknowledge_log_entry", "resolve_log_entry")
    ]
    last_change = changes[-1] if changes else None
    responder = next((e["agent"] for e in reversed(entries) if e.get("agent")), None)
    status = inc["status"]
    acks = [e for e in entries if e["type"] == "acknowledge_log_entry"]
    number = int(inc["incident_number"])
    sid = inc["service"]
    return {
        "incident_number": number,
        "title": inc["title"],
        "description": inc["title"],
        "created_at": pd_time(inc["created_at"], tz),
        "updated_at": pd_time(inc["updated_at"], tz),
        "status": status,
        "incident_key": stable_hex(f"pd-key:{inc['id']}", 32),
        "service": site.service_ref(sid),
        "assignments": []
        if status == "resolved" or responder is None
        else [{"at": pd_time(inc["created_at"], tz), "assignee": site.user_ref(responder)}],
        "assigned_via": "escalation_policy",
        "last_status_change_at": pd_time(
            last_change["created_at"] if last_change else inc["created_at"], tz
        ),
        "resolved_at": pd_time(inc["resolved_at"], tz) if inc.get("resolved_at") else None,
        "first_trigger_log_entry": {
            "id": trigger["id"],
            "type": "trigger_log_entry_reference",
            "summary": _SUMMARY["trigger_log_entry"],
            "self": f"{API}/log_entries/{trigger['id']}",
            "html_url": f"{site.html}/incidents/{inc['id']}/log_entries/{trigger['id']}",
        }
        if trigger
        else None,
        "alert_counts": {
            "all": 1,
            "triggered": 0 if status == "resolved" else 1,
            "resolved": 1 if status == "resolved" else 0,
        },
        "is_mergeable": True,
        "escalation_policy": site.policy_ref(sid),
        "teams": site.team_refs(sid),
        "pending_actions": [],
        "acknowledgements": [
            {"at": pd_time(a["created_at"], tz), "acknowledger": site.user_ref(a["agent"])}
            for a in acks
            if a.get("agent")
        ]
        if status == "acknowledged"
        else [],
        "basic_alert_grouping": None,
        "alert_grouping": None,
        "last_status_change_by": site.user_ref(last_change["agent"])
        if last_change and last_change.get("agent")
        else site.service_ref(sid),
        "priority": None,
        "incidents_responders": [],
        "responder_requests": [],
        "subscriber_requests": [],
        "urgency": inc["urgency"],
        "id": inc["id"],
        "type": "incident",
        "summary": f"[#{number}] {inc['title']}",
        "self": f"{API}/incidents/{inc['id']}",
        "html_url": f"{site.html}/incidents/{inc['id']}",
    }


def service(svc: JSON, site: Site, last_incident: str | None, tz: ZoneInfo | None) -> JSON:
    sid = str(svc["id"])
    return {
        "id": sid,
        "type": "service",
        "summary": svc.get("name", sid),
        "self": f"{API}/services/{sid}",
        "html_url": f"{site.html}/service-directory/{sid}",
        "name": svc.get("name", sid),
        "description": f"Service {svc.get('name', sid)}",
        "auto_resolve_timeout": 14400,
        "acknowledgement_timeout": 1800,
        "created_at": "2025-01-01T00:00:00Z",
        "status": "active",
        "last_incident_timestamp": pd_time(last_incident, tz) if last_incident else None,
        "teams": site.team_refs(sid),
        "escalation_policy": site.policy_ref(sid),
        "incident_urgency_rule": {"type": "constant", "urgency": "high"},
        "integrations": [],
        "alert_creation": "create_alerts_and_incidents",
    }
