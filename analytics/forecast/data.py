"""The tracker history a forecast reads, loaded once per team and sliced in memory at any
as-of instant (so a backtest over many past dates reads the store once). The only module of
the package that touches SQL.

A team's items are those it owns (`team_slug`) or that live in its Jira projects / Linear
teams; its targets are those it owns or that its items point at. Times are int64 UTC
nanoseconds (`analytics.arrays.NAT` for none).

A Linear milestone's key is "<project id>/<milestone id>", and its items point at it, so a
target's items are those whose parent is its key or starts with "<key>/" (`members`): a
project holds its milestones' items. Ingest gives a milestone its project's resolution; a
milestone is finished when its last item is (`_milestones_done`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from analytics.arrays import NAT, time_ns
from analytics.frames import to_utc
from analytics.sql import Bind, _connection
from store.models import DeliveryTarget, WorkItem, WorkItemChange, WorkItemLink, WorkItemTransition

ITEM_COLUMNS = ("key", "external_id", "source", "item_type", "parent_key", "status_category")


@dataclass(frozen=True)
class TrackerData:
    """One team's work items, targets and their histories (see the module docstring).

    items: key, external_id, source, item_type, parent_key, status_category, created, resolved,
        joined (when it joined its parent: the first `parent` change naming it, else created),
        started (its first move into an in-progress category, NAT if none).
    targets: key, kind, name, team_slug, target_on (date or None), created, resolved.
    changes: key, at, field, value.  links: item_key, other_key, kind, at, item_resolved
        (when `item_key` was resolved, whichever team's it is; `blocks`: it blocks other_key).
    transitions: key, at, to_category.
    """

    team: str
    items: pd.DataFrame
    targets: pd.DataFrame
    changes: pd.DataFrame
    links: pd.DataFrame
    transitions: pd.DataFrame
    zone: str = "UTC"  # the team's time zone: a target date ends at 24:00 there

    def target(self, key: str) -> dict[str, Any] | None:
        rows = self.targets[self.targets["key"] == key]
        return None if rows.empty else dict(rows.iloc[0])

    def last_event(self) -> int:
        """The latest instant the data knows of (a stand-in for the last sync)."""
        cols = [self.items["created"], self.items["resolved"], self.transitions["at"]]
        values = np.concatenate([np.asarray(c, dtype=np.int64) for c in cols])
        values = values[values != NAT]
        return int(values.max()) if len(values) else NAT


def _frame(bind: Bind, stmt: Any, names: Sequence[str]) -> pd.DataFrame:
    with _connection(bind) as conn:
        rows = conn.execute(stmt).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(names))


def _ns(values: pd.Series) -> np.ndarray:
    return time_ns(to_utc(values)) if len(values) else np.zeros(0, dtype=np.int64)


def _target_on(value: Any) -> date | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def load_tracker(bind: Bind, team: str, projects: Sequence[str], zone: str = "UTC") -> TrackerData:
    """Everything `team` owns in the tracker, with the histories of its items (`zone`: the
    team's time zone, where its target dates end)."""
    w = WorkItem
    mine = or_(w.team_slug == team, w.project.in_(list(projects)))
    items = _frame(
        bind,
        select(*(getattr(w, c) for c in ITEM_COLUMNS), w.created_at, w.resolved_at).where(mine),
        [*ITEM_COLUMNS, "created", "resolved"],
    )
    items["created"], items["resolved"] = _ns(items["created"]), _ns(items["resolved"])
    ids = select(w.external_id).where(mine).scalar_subquery()
    keys = select(w.key).where(mine).scalar_subquery()
    ch = WorkItemChange
    changes = _frame(
        bind,
        select(w.key, ch.at, ch.field, ch.value)
        .join(w, (w.external_id == ch.item_external_id) & (w.source == ch.source))
        .where(ch.item_external_id.in_(ids)),
        ["key", "at", "field", "value"],
    )
    tr = WorkItemTransition
    transitions = _frame(
        bind,
        select(w.key, tr.at, tr.to_category)
        .join(w, (w.external_id == tr.item_external_id) & (w.source == tr.source))
        .where(tr.item_external_id.in_(ids)),
        ["key", "at", "to_category"],
    )
    lk, blocker = WorkItemLink, aliased(WorkItem)
    links = _frame(
        bind,
        select(lk.item_key, lk.other_key, lk.kind, lk.created_at, blocker.resolved_at)
        .outerjoin(blocker, (blocker.key == lk.item_key) & (blocker.source == lk.source))
        .where(or_(lk.other_key.in_(keys), lk.item_key.in_(keys))),
        ["item_key", "other_key", "kind", "at", "item_resolved"],
    )
    links["item_resolved"] = _ns(links["item_resolved"])
    t = DeliveryTarget
    parents = select(w.parent_key).where(mine, w.parent_key.is_not(None)).scalar_subquery()
    targets = _frame(
        bind,
        select(t.key, t.kind, t.name, t.team_slug, t.target_on, t.created_at, t.resolved_at).where(
            or_(t.team_slug == team, t.key.in_(parents))
        ),
        ["key", "kind", "name", "team_slug", "target_on", "created", "resolved"],
    )
    for frame in (changes, transitions, links):
        frame["at"] = _ns(frame["at"])
    targets["created"], targets["resolved"] = _ns(targets["created"]), _ns(targets["resolved"])
    targets["target_on"] = [_target_on(v) for v in targets["target_on"]]
    items["joined"] = _joined(items, changes)
    items["started"] = _started(items, transitions)
    targets["resolved"] = _milestones_done(targets, items)
    return TrackerData(team, items, targets, changes, links, transitions, zone)


def members(items: pd.DataFrame, key: str) -> np.ndarray:
    """Which `items` belong to target `key`: their parent is it, or one of its milestones."""
    parent = items["parent_key"].fillna("").astype(str)
    return ((parent == key) | parent.str.startswith(key + "/")).to_numpy(dtype=bool)


def first_start(data: TrackerData, key: str) -> int:
    """When work on target `key` began: its items' earliest start or resolution (NAT: none)."""
    it = data.items[members(data.items, key)]
    s = it["started"].to_numpy(dtype=np.int64)
    r = it["resolved"].to_numpy(dtype=np.int64)
    both = np.concatenate([s[s != NAT], r[r != NAT]])
    return int(both.min()) if len(both) else NAT


def _milestones_done(targets: pd.DataFrame, items: pd.DataFrame) -> np.ndarray:
    """Targets' resolutions, a milestone's being its last item's (NAT while one is open)."""
    out = targets["resolved"].to_numpy(dtype=np.int64).copy()
    for n, (key, kind) in enumerate(zip(targets["key"], targets["kind"], strict=True)):
        if kind != "milestone":
            continue
        done = items["resolved"].to_numpy(dtype=np.int64)[members(items, str(key))]
        out[n] = NAT if not len(done) or (done == NAT).any() else int(done.max())
    return out


def _joined(items: pd.DataFrame, changes: pd.DataFrame) -> np.ndarray:
    """When each item joined its current parent: the first `parent` change naming it (for a
    milestone's item, naming the milestone or its project), else its creation."""
    par = changes[changes["field"] == "parent"]
    first = par.groupby(["key", "value"])["at"].min().astype("Int64")
    parent = items["parent_key"].fillna("").astype(str)
    created = items["created"].to_numpy(dtype=np.int64)
    out = np.full(len(items), NAT, dtype=np.int64)
    for named in (parent, parent.str.split("/").str[0]):
        idx = pd.MultiIndex.from_arrays([items["key"], named])
        at = first.reindex(idx).astype("Int64").to_numpy(dtype=np.int64, na_value=NAT)
        out = np.where((out == NAT) | ((at != NAT) & (at < out)), at, out)
    return np.where(out == NAT, created, out)


def _started(items: pd.DataFrame, transitions: pd.DataFrame) -> np.ndarray:
    """Each item's first move into an in-progress status (NAT if it never moved)."""
    moved = transitions[transitions["to_category"] == "indeterminate"]
    first = moved.groupby("key")["at"].min().astype("Int64")
    return first.reindex(items["key"]).astype("Int64").to_numpy(dtype=np.int64, na_value=NAT)


def target_owner(bind: Bind, key: str) -> tuple[str | None, list[str]] | None:
    """Who owns target `key`: (its team_slug, the projects of its items); None if unknown."""
    t = DeliveryTarget
    with _connection(bind) as conn:
        owner = conn.execute(select(t.team_slug).where(t.key == key).limit(1)).first()
        if owner is None:
            return None
        mine = or_(
            WorkItem.parent_key == key, WorkItem.parent_key.startswith(key + "/", autoescape=True)
        )
        projects = conn.execute(select(WorkItem.project).where(mine).distinct()).scalars()
        return owner[0], sorted(str(p) for p in projects)


def target_keys_named(bind: Bind, name: str) -> list[str]:
    """Keys of the targets called `name` (case forgiven): Linear projects and milestones
    are known by name, their keys are ids."""
    t = DeliveryTarget
    with _connection(bind) as conn:
        found = conn.execute(
            select(t.key).where(func.lower(t.name) == name.strip().lower()).distinct()
        ).scalars()
        return sorted(str(k) for k in found)


def target_keys(bind: Bind) -> list[str]:
    """Every target key the store knows (for "did you mean")."""
    with _connection(bind) as conn:
        return [str(k) for k in conn.execute(select(DeliveryTarget.key).distinct()).scalars()]
