"""Monotonic webhook writes: an older resend never overwrites newer state.

Senders retry, and retries arrive out of order. A row keyed by the sender's `id` changes
only when the update is not older than what is stored:

- Both carry `updated_at`: applied when the update's is the same or later (the same version
  resent is applied again, harmlessly).
- Only the update carries `updated_at`: applied (a versioned update supersedes unversioned).
- Only the stored row carries it: refused; an update without a version cannot be shown
  to be newer.
- Neither carries it: deployments are ordered by `finished_at` (an earlier finish is an
  older report); incidents are applied as they come, except for the next rule.
- A resolved incident stays resolved: an update without `resolved_at` is refused unless it
  says `"reopen": true` (and is not older by the rules above).

The rule is one function, `refusal`; the write is compare-and-swap (the UPDATE matches the
columns the decision read), retried when a concurrent write got there first, so two
resends racing cannot both win on SQLite or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.models import Deployment, Incident

ATTEMPTS = 5


@dataclass(frozen=True)
class Outcome:
    """What the write did: `reason` says why nothing changed ('' when applied)."""

    applied: bool
    reason: str = ""


class Contended(Exception):
    """Concurrent writes to the same row kept winning; the sender should retry."""


def _watched(model: Any) -> tuple[str, ...]:
    """The stored columns `refusal` reads (and the compare-and-swap matches)."""
    return ("updated_at", "finished_at") if model is Deployment else ("updated_at", "resolved_at")


def refusal(
    model: Any, stored: Mapping[str, Any] | None, row: Mapping[str, Any], reopen: bool
) -> str:
    """Why `row` must not overwrite `stored` ('' when it may); the rule in the module doc."""
    if stored is None:
        return ""
    old, new = stored["updated_at"], row["updated_at"]
    if old is not None and new is None:
        return "older than stored: the stored update has updated_at and this one has none"
    if old is not None and new is not None and new < old:
        return "older than stored: updated_at is before the stored one"
    if model is Deployment and old is None and new is None:
        before, after = stored["finished_at"], row["finished_at"]
        if before is not None and after is not None and after < before:
            return "older than stored: finished_at is before the stored one (send updated_at)"
    resolved = model is Incident and stored["resolved_at"] is not None
    if resolved and row["resolved_at"] is None and not reopen:
        return 'the incident is resolved: send "reopen": true to reopen it'
    return ""


def _insert_if_absent(session: Session, model: Any, row: Mapping[str, Any]) -> bool:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(model).values(**row).on_conflict_do_nothing(index_elements=["source", "external_id"])
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def _swap(session: Session, model: Any, stored: Row[Any], row: Mapping[str, Any]) -> bool:
    """Update the row only if the watched columns still hold what was read."""
    table = model.__table__
    guards = [table.c.id == stored.id]
    guards += [
        table.c[name].is_not_distinct_from(getattr(stored, name)) for name in _watched(model)
    ]
    return bool(session.execute(update(table).where(*guards).values(**row)).rowcount)  # type: ignore[attr-defined]


def write(session: Session, model: Any, row: Mapping[str, Any], *, reopen: bool = False) -> Outcome:
    """Insert `row`, or update the stored one if the rule allows; says which happened."""
    table = model.__table__
    columns = [table.c.id, *(table.c[name] for name in _watched(model))]
    for _ in range(ATTEMPTS):
        stored = session.execute(
            select(*columns).where(
                table.c.source == row["source"], table.c.external_id == row["external_id"]
            )
        ).first()
        reason = refusal(model, dict(stored._mapping) if stored else None, row, reopen)
        if reason:
            return Outcome(applied=False, reason=reason)
        done = (
            _insert_if_absent(session, model, row)
            if stored is None
            else _swap(session, model, stored, row)
        )
        if done:
            return Outcome(applied=True)
    raise Contended(f"{ATTEMPTS} concurrent updates to the same id won first")
