"""Erase one person from the store, on request: nothing left that links a row to their key.

People are stored only as pseudonymous keys (`store.people`), so a person is the set of
keys their identities hash to. Purging them:

- deletes the rows that exist only to describe them: their `people` row, their team
  memberships, and the review requests addressed to them (whose key is part of the row's
  identity and cannot be blanked);
- erases the key from the team's delivery facts they took part in (pull requests they
  authored, their commits and reviews, pages that reached them, work items assigned to
  them), with the author's UTC offset (where they work from), and keeps the rows: they are
  the team's history, and deleting them would silently rewrite the team's published
  figures. Without the key nothing in the store ties those rows to anyone.

Runs inside the caller's transaction; returns the counts per table.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from store.marks import mark_all
from store.models import (
    Commit,
    Page,
    Person,
    PullRequest,
    Review,
    ReviewRequest,
    TeamMember,
    WorkItem,
)

# (model, key column): rows deleted
DELETED: tuple[tuple[Any, str], ...] = (
    (Person, "key"),
    (TeamMember, "person_key"),
    (ReviewRequest, "reviewer_key"),
)
# (model, key column, other columns blanked with it): the key erased, the row kept
ERASED: tuple[tuple[Any, str, tuple[str, ...]], ...] = (
    (PullRequest, "author_key", ()),
    (Commit, "author_key", ("author_utc_offset_min",)),
    (Review, "reviewer_key", ("submitted_utc_offset_min",)),
    (Page, "responder_key", ()),
    (WorkItem, "assignee_key", ()),
)


@dataclass
class Purged:
    """Rows deleted and rows whose person key was erased, per table."""

    deleted: dict[str, int] = field(default_factory=dict)
    erased: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.deleted.values()) + sum(self.erased.values())


def purge_people(session: Session, keys: Collection[str]) -> Purged:
    """Delete or anonymise every row that carries one of `keys` (see the module doc)."""
    purged = Purged()
    if not keys:
        return purged
    for model, column in DELETED:
        result: Any = session.execute(delete(model).where(getattr(model, column).in_(keys)))
        purged.deleted[model.__tablename__] = result.rowcount
    for model, column, blanked in ERASED:
        values = {name: None for name in (column, *blanked)}
        stmt = update(model).where(getattr(model, column).in_(keys)).values(**values)
        result = session.execute(stmt)
        purged.erased[model.__tablename__] = result.rowcount
    if purged.total:  # rows gone or re-keyed in weeks analytics may have kept
        mark_all(session, "purge")
    return purged
