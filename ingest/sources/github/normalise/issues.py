"""Releases and incident-labelled issues to Release and Incident rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ingest.instants import parse_instant, require_instant
from ingest.sources.github.normalise.common import (
    _SEVERITY,
    SOURCE,
)


def release_from_rest(item: Mapping[str, Any], repo: str) -> dict[str, Any]:
    """A release to a Release row (drafts have no published_at)."""
    return {
        "source": SOURCE,
        "repo": repo,
        "external_id": str(item["id"]),
        "tag": str(item.get("tag_name") or ""),
        "published_at": parse_instant(item.get("published_at")),
    }


def incident_from_issue(
    item: Mapping[str, Any], repo: str, *, team_slug: str | None = None
) -> dict[str, Any]:
    """An incident-labelled issue to an Incident row: opened = started, closed = resolved."""
    labels = sorted(issue_labels(item))
    severity = None
    for label in labels:
        match = _SEVERITY.match(label)
        if match:
            severity = match.group(1).lower()
            break
    closed = parse_instant(item.get("closed_at")) if item.get("state") == "closed" else None
    return {
        "source": SOURCE,
        "external_id": f"{repo}#{item['number']}",
        "service": None,
        "repo": repo,
        "team_slug": team_slug,
        "title": str(item.get("title") or ""),
        "severity": severity,
        "started_at": require_instant(item.get("created_at"), f"issue {repo}#{item['number']}"),
        "acknowledged_at": None,
        "resolved_at": closed,
        "url": item.get("html_url"),
    }


def issue_labels(item: Mapping[str, Any]) -> set[str]:
    """Label names of a REST issue (labels come as objects or, in some payloads, strings)."""
    return {
        (lab.get("name") if isinstance(lab, dict) else str(lab)) or ""
        for lab in item.get("labels") or []
    }
