"""Pending items in a partition's state: an empty set leaves no key behind, and writes
replace the stored mapping (a copy held elsewhere, e.g. the state as loaded, never changes)."""

from __future__ import annotations

from typing import Any

from ingest.pending import Pending


def test_put_drop_and_the_key_disappears_when_nothing_is_pending() -> None:
    extra: dict[str, Any] = {"etag": "x"}
    pending = Pending(extra, "pending_ci")
    pending.put("7", {"id": "PR_7", "updated_at": "2026-11-20T10:00:00Z"})
    pending.put("8", {"id": "PR_8", "updated_at": "2026-11-20T11:00:00Z"})
    assert "7" in pending and set(extra["pending_ci"]) == {"7", "8"}
    pending.drop("7")
    pending.drop("absent")
    assert set(extra["pending_ci"]) == {"8"}
    pending.drop_where(lambda entry: entry["id"] == "PR_8")
    assert extra == {"etag": "x"}


def test_writes_replace_the_stored_mapping_never_mutate_it() -> None:
    loaded = {"1": {"id": "D_1"}}
    extra: dict[str, Any] = {"pending": loaded}
    Pending(extra, "pending").put("2", {"id": "D_2"})
    assert loaded == {"1": {"id": "D_1"}}
    assert set(extra["pending"]) == {"1", "2"}
    entries = Pending(extra, "pending").entries()
    entries.clear()
    assert set(extra["pending"]) == {"1", "2"}
