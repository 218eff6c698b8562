"""The scheduled team digests of one firing, built from one run.

Each team's weekly digest stays its own job (`digest:team-b`) with its own exactly-once
claim, and the teams of one zone fire together. The first of them to run builds the digest
of every team due with it (the same week and as-of instant, not yet posted) in one
`build_digests` (the detectors on one load of the org, the figures from one
`compute_all`); the others take theirs from it. A built batch is kept for KEEP, long enough
for its zone's jobs to pick theirs up; a later catch-up or retry builds afresh.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import TeamConfig
from bot.digest import claims
from bot.digest.build import Digest, build_digests, digest_week
from bot.slack.deps import BotDeps

KEEP = timedelta(minutes=10)


@dataclass
class DigestBatch:
    """Shared by the team-digest jobs of one scheduler (and of one catch-up pass)."""

    deps: BotDeps
    built: dict[tuple[str, datetime], tuple[datetime, dict[str, Digest]]] = field(
        default_factory=dict
    )
    locks: dict[tuple[str, datetime], threading.Lock] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)

    def digest(self, team: TeamConfig, week: str) -> Digest:
        """`team`'s digest for `week`, from the batch of every team due with it."""
        key = (week, digest_week(self.deps, team, week).as_of)
        with self.guard:
            lock = self.locks.setdefault(key, threading.Lock())
        with lock:
            now = self.deps.now()
            kept = self.built.get(key)
            if kept is None or now - kept[0] > KEEP or team.slug not in kept[1]:
                due = [t for t in self.due_with(team, week, key[1]) if t.slug != team.slug]
                kept = (now, build_digests(self.deps, [(t, week) for t in [team, *due]]))
                with self.guard:
                    self._forget(now)
                    self.built[key] = kept
            return kept[1][team.slug]

    def due_with(self, team: TeamConfig, week: str, as_of: datetime) -> list[TeamConfig]:
        """The teams whose weekly digest of `week` is known at the same instant as `team`'s
        (its zone's) and not posted yet."""
        out = []
        for other in self.deps.config.teams:
            if digest_week(self.deps, other, week).as_of != as_of:
                continue
            sent = claims.get(self.deps.sessions, claims.Key(other.slug, week, "team"))
            if sent is None or sent.status != "posted":
                out.append(other)
        return out

    def _forget(self, now: datetime) -> None:
        for key in [k for k, (at, _) in self.built.items() if now - at > KEEP]:
            del self.built[key]
