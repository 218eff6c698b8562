"""Items a stream must read again later, kept in its partition's state.

Some things change after a walk has passed them without touching what the walk orders by:
a PR's CI finishes, a deployment gets its final status. A stream remembers such items (id ->
what it needs to find the item again) under one key of the partition's `extra`, which
commits with the page; an empty set removes the key, so a partition with nothing pending
carries no state for it. Writes replace the stored mapping, never mutate it in place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Entry = dict[str, Any]


class Pending:
    """The pending items under `extra[key]`."""

    def __init__(self, extra: dict[str, Any], key: str) -> None:
        self.extra = extra
        self.key = key

    def entries(self) -> dict[str, Entry]:
        """A copy of id -> entry."""
        return dict(self.extra.get(self.key) or {})

    def __contains__(self, ident: object) -> bool:
        return ident in (self.extra.get(self.key) or {})

    def put(self, ident: str, entry: Entry) -> None:
        self.replace({**self.entries(), ident: entry})

    def drop(self, ident: str) -> None:
        self.replace({k: v for k, v in self.entries().items() if k != ident})

    def drop_where(self, gone: Callable[[Entry], bool]) -> None:
        """Forget every entry `gone` says will not be found again."""
        self.replace({k: v for k, v in self.entries().items() if not gone(v)})

    def replace(self, entries: Mapping[str, Entry]) -> None:
        if entries:
            self.extra[self.key] = dict(entries)
        else:
            self.extra.pop(self.key, None)
