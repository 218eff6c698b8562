"""Work items before they are written: mutable drafts that plants (churn, blocking, epics)
change in place, and the step arithmetic they share.

A draft's `steps` are (instant, status index) pairs after creation: 0 = to do, 1 = in
progress, 2 = in review, 3 = done, 4 = won't do. Delays are added in the assignee's working
time, so a wait never ends on a Sunday night.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.sim.roster import Member

TODO, DOING, REVIEW, DONE, WONT = 0, 1, 2, 3, 4


@dataclass(slots=True)
class Change:
    """A non-status change, with the field named as the tracker names it."""

    t: float
    author: str  # account id in the tracker
    field: str
    from_value: str | None = None
    to_value: str | None = None


@dataclass(slots=True)
class Draft:
    t: float  # created
    reporter: Member
    assignee: Member
    kind: str  # issue type (Jira) or label (Linear; "" for none)
    labels: list[str]
    steps: list[tuple[float, int]]
    initial: str | None = None  # Linear's "Backlog" start
    key: str = ""
    id: str = ""
    parent: str | None = None  # epic key / project or milestone id
    due: float | None = None
    changes: list[Change] = field(default_factory=list)
    links: list[tuple[str, str, float]] = field(default_factory=list)  # kind, other key, at
    touched: bool = False  # changed by a plant: never chosen as another team's blocker

    def started(self) -> float | None:
        return next((t for t, s in self.steps if s == DOING), None)

    def done_at(self) -> float | None:
        """When it was last closed (done or won't do), if its last step closes it."""
        if self.steps and self.steps[-1][1] in (DONE, WONT):
            return self.steps[-1][0]
        return None

    def completes(self) -> bool:
        return bool(self.steps) and self.steps[-1][1] == DONE


@dataclass(frozen=True, slots=True)
class Blocker:
    """Another team's item that can block: its key, when it was created and closed."""

    key: str
    created: float
    done: float | None


def delay(d: Draft, at: float, seconds: float) -> None:
    """Push every step after `at` later by `seconds` of the assignee's working time."""
    cal = d.assignee.cal
    d.steps = [
        (cal.add_work(at, cal.work_between(at, t) + seconds), s) if t > at else (t, s)
        for t, s in d.steps
    ]


def stretch(d: Draft, at: float, factor: float) -> None:
    """Every step after `at` takes `factor` times as long (in working time) from `at` on."""
    cal = d.assignee.cal
    d.steps = [
        (cal.add_work(at, cal.work_between(at, t) * factor), s) if t > at else (t, s)
        for t, s in d.steps
    ]


def wait_until(d: Draft, at: float, until: float, after: float) -> None:
    """Hold the item at `at` until `until`, then resume `after` working seconds later:
    the steps after `at` keep their working-time distances from each other."""
    cal = d.assignee.cal
    resume = cal.add_work(until, after)
    d.steps = [
        (cal.add_work(resume, cal.work_between(at, t)), s) if t > at else (t, s) for t, s in d.steps
    ]
