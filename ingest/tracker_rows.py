"""Rows both trackers write for issue 17 (Jira and Linear alike): non-status changes and
links between items, with their natural keys declared once for both issue streams.

`value` of a change holds only a key or a word ("reassigned", "on", a number), never text
or a person; a link is stored once, from the blocker's side for "blocks" and with its two
keys in order for "relates".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ingest.base import Model
from store.models import WorkItemChange, WorkItemLink

KEYS: dict[Model, tuple[str, ...]] = {
    WorkItemChange: ("source", "item_external_id", "at", "field", "value"),
    WorkItemLink: ("source", "item_key", "other_key", "kind"),
}


def change_rows(
    source: str, ident: str, found: Iterable[tuple[datetime, str, str]]
) -> list[dict[str, Any]]:
    """(at, field, value) triples of one item as WorkItemChange rows, each once."""
    unique = dict.fromkeys(found)
    return [
        {"source": source, "item_external_id": ident, "at": at, "field": field, "value": value}
        for at, field, value in unique
    ]


def link_row(
    source: str, first: str, second: str, kind: str, at: datetime | None
) -> dict[str, Any]:
    """One link; "relates" is symmetric, so its keys are put in order."""
    if kind == "relates":
        first, second = sorted((first, second))
    return {
        "source": source,
        "item_key": first,
        "other_key": second,
        "kind": kind,
        "created_at": at,
    }
