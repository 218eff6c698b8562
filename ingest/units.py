"""A source's scheduled sync cut into units that replicas can run independently.

A unit is a group of partitions (GitHub repositories of one owner, GitLab projects of one
top-level group, one Jira project or Linear team, all of PagerDuty's services), at most `max_size`
partitions each, across all of the source's streams: a unit syncs every stream, each over
its partitions within the unit. Every partition of every stream is in exactly one unit, so
running all units is one whole sync. Only the first unit writes the source's config-derived
rows and runs its reconcile (they concern the whole source, not a partition).

Units are named from the config alone (`ingest:github:acme#0`), so every replica derives the
same names; a config change that regroups them leaves old rows behind, which nothing claims.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from ingest.base import Source
from ingest.report import SyncReport
from ingest.runner import run_sync

WHOLE_SOURCES = frozenset({"pagerduty"})
"""Sources whose partitions form one group: PagerDuty's services are small lists read from
one account, not worth a claim each."""

MAX_UNIT_SIZE = 50
"""Partitions per unit: GitHub's activity probe asks about 50 repositories per request, and
a unit of this size syncs in seconds when idle, minutes on a busy day."""


@dataclass(frozen=True)
class Unit:
    """Partitions of one source synced together; `first` also writes the config rows."""

    source: str
    group: str
    partitions: frozenset[str]
    first: bool = False

    @property
    def name(self) -> str:
        return f"ingest:{self.source}:{self.group}"


def group_of(partition: str) -> str:
    """The owner part of a partition key: `acme` for `acme/api` or `acme/sub/web`, the key
    itself for a project key or a service id."""
    return partition.split("/", 1)[0]


def units_of(source: Source, max_size: int = MAX_UNIT_SIZE) -> list[Unit]:
    """Every unit of `source`, in a stable order (pure: reads the config, not the API)."""
    parts = (p for s in source.streams() for p in s.partitions())
    return split(source.name, parts, max_size, whole=source.name in WHOLE_SOURCES)


def split(
    source: str, partitions: Iterable[str], max_size: int = MAX_UNIT_SIZE, *, whole: bool = False
) -> list[Unit]:
    """Group `partitions` by owner (`whole`: all in one group), then cut each group into runs
    of at most `max_size` sorted keys; a source without partitions is one empty unit (its
    config rows)."""
    groups: dict[str, list[str]] = {}
    for partition in sorted(set(partitions)):
        groups.setdefault("all" if whole else group_of(partition), []).append(partition)
    units: list[Unit] = []
    for owner, members in sorted(groups.items()):
        for i in range(0, len(members), max_size):
            chunk = frozenset(members[i : i + max_size])
            units.append(Unit(source, f"{owner}#{i // max_size}", chunk, first=not units))
    return units or [Unit(source, "#0", frozenset(), first=True)]


def run_unit(
    source: Source, unit: Unit, sessions: sessionmaker[Session], **options: Any
) -> SyncReport:
    """Sync the unit's partitions of every stream (`options` as for `run_sync`). With
    fenced `sessions` (store.claims.fenced) a replica that lost the unit writes nothing."""
    return run_sync(source, sessions, partitions=unit.partitions, config_rows=unit.first, **options)
