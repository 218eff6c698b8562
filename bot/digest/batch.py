"""The scheduled team digests of one firing, built from one run.

Each team's weekly digest stays its own job (`digest:team-b`, likewise the leads'
`leads-digest:team-b`) with its own exactly-once claim, and the teams of one zone fire
together. The first of them to run builds the digest
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
from bot.digest.build import MAX_INSIGHTS, Digest, build_digests, digest_week
from bot.slack.deps import BotDeps

KEEP = timedelta(minutes=10)
Key = tuple[str, datetime, str]
"""(week, as-of instant, audience: "team" or "leads")."""


@dataclass
class DigestBatch:
    """Shared by the digest jobs of one scheduler (and of one catch-up pass)."""

    deps: BotDeps
    built: dict[Key, tuple[datetime, dict[str, Digest]]] = field(default_factory=dict)
    locks: dict[Key, threading.Lock] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)

    def digest(self, team: TeamConfig, week: str) -> Digest:
        """`team`'s weekly digest for `week`, from the batch of every team due with it."""
        return self._get(team, week, "team", MAX_INSIGHTS, True)

    def leads_digest(self, team: TeamConfig, week: str, max_insights: int) -> Digest:
        """The leads' digest (no charts, more findings), batched the same way."""
        return self._get(team, week, "leads", max_insights, False)

    def _get(
        self, team: TeamConfig, week: str, audience: str, max_insights: int, charts: bool
    ) -> Digest:
        key = (week, digest_week(self.deps, team, week).as_of, audience)
        with self.guard:
            lock = self.locks.setdefault(key, threading.Lock())
        with lock:
            now = self.deps.now()
            kept = self.built.get(key)
            if kept is None or now - kept[0] > KEEP or team.slug not in kept[1]:
                due = [t for t in self.due_with(key) if t.slug != team.slug]
                wanted = [(t, week) for t in [team, *due]]
                built = build_digests(self.deps, wanted, max_insights=max_insights, charts=charts)
                kept = (now, built)
                with self.guard:
                    self._forget(now)
                    self.built[key] = kept
            return kept[1][team.slug]

    def due_with(self, key: Key) -> list[TeamConfig]:
        """The teams whose digest of the week is known at the same instant (their zone's)
        and not yet posted to every one of its audience."""
        week, as_of, audience = key
        out = []
        for other in self.deps.config.teams:
            if digest_week(self.deps, other, week).as_of != as_of:
                continue
            names = ["team"] if audience == "team" else [f"leads:{lead}" for lead in other.leads]
            if any(self._unsent(claims.Key(other.slug, week, name)) for name in names):
                out.append(other)
        return out

    def _unsent(self, key: claims.Key) -> bool:
        sent = claims.get(self.deps.sessions, key)
        return sent is None or sent.status != "posted"

    def _forget(self, now: datetime) -> None:
        for key in [k for k, (at, _) in self.built.items() if now - at > KEEP]:
            del self.built[key]
