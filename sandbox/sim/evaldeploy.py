"""Deployment slots of an evaluation world's team: `slots` a week in its working hours, each
used with chance `slot_p` (which `deploy_batching` lowers), so batches grow continuously with
the planted size instead of jumping between named cadences."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sandbox.sim.clock import HOUR, WEEK

if TYPE_CHECKING:
    from sandbox.sim.pulls import RepoCtx


def slot_times(slots: int) -> tuple[tuple[int, ...], int]:
    """(weekdays with slots, slots a day): 40 -> 8 a day on Mon-Fri, 2 -> Tue and Thu."""
    if slots >= 5:
        return (0, 1, 2, 3, 4), max(1, slots // 5)
    return ((1, 3) if slots == 2 else (3,)), 1


def used(salt: str, repo: str, day: int, k: int) -> float:
    """A uniform number in [0, 1) fixed by the slot (same world, same decision)."""
    h = hashlib.blake2b(f"{salt}:{repo}:{day}:{k}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2**64


def eval_slot(ctx: RepoCtx, m: float) -> float:
    """The first used slot at or after the merge at `m`."""
    team = ctx.team
    ev, cal = team.ev, team.cal
    assert ev is not None and cal is not None
    days, per_day = slot_times(ev.slots)
    span = (cal.work_end - cal.work_start) / per_day
    day = cal.local_day(m)
    for d in range(day, day + 90):
        if d % 7 not in days or not cal.is_workday(d):
            continue
        p = ev.slot_p_at(ctx.span.week_of(cal.at_local(d, cal.work_start)))
        for k in range(per_day):
            t = cal.at_local(d, cal.work_start + span * (k + 0.5) + 0.25 * HOUR)
            if t >= m and used(ev.salt, ctx.repo.full_name, d, k) < p:
                return t
    return m + WEEK
