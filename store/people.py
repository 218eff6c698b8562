"""Pseudonymous keys for people: a keyed hash of "source:identity", never the identity itself;
and the config's time zones of those keys (`write_config_zones`).

The key comes from the environment (`METRICS_BOT_PSEUDONYM_KEY`, read by the application shell
and passed in). Rotating it means re-keying: run `metrics-bot db rekey` is not needed because
keys are recomputed on the next full sync; see README "Rotating the pseudonym key".
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.models import Person
from store.upsert import upsert
from store.zones import CONFIG

_CHUNK = 500  # keys per UPDATE, well under every driver's parameter limit


def pseudonym(secret: bytes, source: str, identity: str) -> str:
    """A stable 32-hex-character key for `identity` in `source` (case-insensitive identity)."""
    message = f"{source}:{identity.strip().lower()}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


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
    return written + len(stale)
