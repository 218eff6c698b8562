"""The config's bot overrides (`people.humans`, `people.bots`) applied to rows stored before.

Identities read during a sync get the override as they are read (ingest.people). Rows read
by earlier syncs carry the decision of their day, so at the start of each sync they are
brought in line: every key the config decides gets its flag on the person row and on the
copies in pull requests, commits and reviews (store.people.set_bot_flags).

An override taken out of the config gives its keys back the decision they had without it,
remembered per key in the source's sync state (`SyncState(source, "people", "overrides")`):
the stored flag when the override was first applied, else what the name alone says (its
patterns and convention; the API's account type is known only when the identity is read
again). Only pseudonymous keys are remembered, never a name.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.people import People
from ingest.state import save_state
from store.models import SyncState
from store.people import bot_flags, set_bot_flags

STREAM, PARTITION = "people", "overrides"


def reconcile_overrides(session: Session, source: str, people: People, at: datetime) -> int:
    """Set the flags of every key the config decides, give the keys of removed overrides
    their own decision back, remember the decisions without the config; rows changed."""
    row = session.scalars(
        select(SyncState).where(
            SyncState.source == source,
            SyncState.stream == STREAM,
            SyncState.partition == PARTITION,
        )
    ).one_or_none()
    before: dict[str, bool] = dict((row.extra or {}).get("natural") or {}) if row else {}
    forced = people.forced()
    if not forced and not before:
        return 0
    stored = bot_flags(session, [key for key in forced if key not in before])
    natural = {
        key: before[key] if key in before else stored.get(key, guess)
        for key, (_, guess) in forced.items()
    }
    flags = {key: is_bot for key, (is_bot, _) in forced.items()}
    flags.update({key: was for key, was in before.items() if key not in forced})
    changed = set_bot_flags(session, flags)
    save_state(session, source, STREAM, PARTITION, None, {"natural": natural}, at)
    return changed
