"""Pseudonymous keys for people: a keyed hash of "source:identity", never the identity itself;
and the config's time zones of those keys (`write_config_zones`).

The key comes from the environment (`METRICS_BOT_PSEUDONYM_KEY`, read by the application shell
and passed in). Rotating it means re-keying: run `metrics-bot db rekey` is not needed because
keys are recomputed on the next full sync; see README "Rotating the pseudonym key".

Whether a key is a bot is stored on its person row and copied onto the rows it authored
(pull requests, commits, reviews); `set_bot_flags` changes them together.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping

from sqlalchemy import Table, select, update
from sqlalchemy.orm import DeclarativeBase, Session

from store.marks import mark_all
from store.models import Commit, Person, PullRequest, Review
from store.upsert import upsert
from store.zones import CONFIG

_CHUNK = 500  # keys per UPDATE, well under every driver's parameter limit


def pseudonym(secret: bytes, source: str, identity: str) -> str:
    """A stable 32-hex-character key for `identity` in `source` (case-insensitive identity)."""
    message = f"{source}:{identity.strip().lower()}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def bot_flags(session: Session, keys: Iterable[str]) -> dict[str, bool]:
    """The stored `is_bot` of those of `keys` that have a person row."""
    wanted = list(keys)
    if not wanted:
        return {}
    rows = session.execute(select(Person.key, Person.is_bot).where(Person.key.in_(wanted)))
    return {key: bool(is_bot) for key, is_bot in rows}


_FLAGS: tuple[tuple[type[DeclarativeBase], str, str], ...] = (
    (PullRequest, "author_key", "author_is_bot"),
    (Commit, "author_key", "author_is_bot"),
    (Review, "reviewer_key", "reviewer_is_bot"),
)


def set_bot_flags(session: Session, flags: Mapping[str, bool]) -> int:
    """Make every stored row agree that the person behind each key is (or is not) a bot:
    the person row and the copies of the flag on pull requests, commits and reviews (rows
    read before the decision changed would otherwise keep the old one). Returns the rows
    changed."""
    changed = 0
    for is_bot in (True, False):
        keys = [key for key, value in flags.items() if value is is_bot]
        if not keys:
            continue
        changed += _update(session, Person, "key", "is_bot", keys, is_bot)
        for model, key_column, flag_column in _FLAGS:
            changed += _update(session, model, key_column, flag_column, keys, is_bot)
    if changed:  # a bot flag moves rows in or out of every week's figures
        mark_all(session, Person.__tablename__)
    return changed


def _update(
    session: Session,
    model: type[DeclarativeBase],
    key_column: str,
    flag_column: str,
    keys: list[str],
    value: bool,
) -> int:
    table: Table = model.__table__  # type: ignore[assignment]
    key, flag = table.c[key_column], table.c[flag_column]
    done = 0
    for start in range(0, len(keys), _CHUNK):  # bound the IN list (SQLite's variable limit)
        chunk = keys[start : start + _CHUNK]
        stmt = update(table).where(key.in_(chunk), flag != value).values({flag_column: value})
        result = session.execute(stmt)
        done += int(getattr(result, "rowcount", 0) or 0)
    return done


def write_config_zones(session: Session, zones: Mapping[str, str]) -> int:
    """Store the config's zones ({identity key: IANA zone}) as `tz_source` "config", and take
    back the config zones of identities the config no longer gives one: those hold no zone
    until their source publishes one again (store.zones). Returns how many keys changed."""
    rows = [{"key": k, "tz": z, "tz_source": CONFIG} for k, z in sorted(zones.items())]
    written = upsert(session, Person, rows, ("key",))
    stored = session.scalars(select(Person.key).where(Person.tz_source == CONFIG)).all()
    stale = sorted(set(stored) - set(zones))
    for start in range(0, len(stale), _CHUNK):
        session.execute(
            update(Person)
            .where(Person.key.in_(stale[start : start + _CHUNK]))
            .values(tz=None, tz_source=None)
        )
    if stale:  # a person's zone changes their after-hours weeks (upsert marked its own)
        mark_all(session, Person.__tablename__)
    return written + len(stale)
