"""The items behind each detector kind, read from an evaluation world's simulator output.

For the item-level oracle (bench/insight_oracle_items.py): per team, per kind, one or more
series of items, each item with the moment it starts and, where it has one, the moment its
outcome is known. Read from the simulator's own files (github/, pagerduty/, eval/prs.jsonl),
not the store: the oracle may know everything a store could hold, and the files are there
without the slow ingest. A test at week w only uses what was known at the end of week w
(`Series` items are censored or left out there by the oracle, never read ahead).

Series shapes:
- "dur": a wait from `start` to `end` (NaN: not yet or never), stopped without its event at
  `stop` (NaN: not stopped; a PR closed unreviewed). Tested censored at the cut, in hours
  of the team's working clock (`team_clock`).
- "val": a value known at `start` (log PR size at opening, log CI minutes at the run's end).
- "bin": a 0/1 outcome known at `start` (after hours; stalled; CI run failed, re-runs
  included; deployment runs are not CI).
- "count": events at `start` (pages, deployments): a rate per week.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

WEEK = 7 * 86_400
GRID = 20  # weeks of the grid the weekly oracle tests (pre-onset weeks = the rest)
HOUR = 3600.0
NAN = math.nan


@dataclass
class Series:
    """One series of items of a team (see the module doc for `shape`)."""

    shape: str
    start: list[float] = field(default_factory=list)
    end: list[float] = field(default_factory=list)
    stop: list[float] = field(default_factory=list)
    value: list[float] = field(default_factory=list)

    clock: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _arrays: tuple[np.ndarray, ...] | None = field(default=None, repr=False, compare=False)

    def hours(self, t: np.ndarray) -> np.ndarray:
        """Moments as hours on the team's working clock (wall-clock hours without one)."""
        return t / HOUR if self.clock is None else np.interp(t, *self.clock)

    def add(self, start: float, end: float = NAN, stop: float = NAN, value: float = NAN) -> None:
        self._arrays = None
        self.start.append(start)
        self.end.append(end)
        self.stop.append(stop)
        self.value.append(value)

    def arrays(self) -> tuple[np.ndarray, ...]:
        """(start, end, stop, value) as arrays, built once after the last `add`."""
        if self._arrays is None:
            f = np.asarray
            self._arrays = tuple(f(x, "f8") for x in (self.start, self.end, self.stop, self.value))
        return self._arrays


# kind -> the series the oracle tests for it (the Bonferroni split is over these)
KIND_SERIES: dict[str, tuple[str, ...]] = {
    "review_bottleneck": ("pickup",),
    "process_change": ("pickup",),
    "stalled_prs": ("stalled",),
    "lead_time_stage": ("pickup", "rounds", "merge", "deploy"),
    "after_hours_creep": ("after_hours",),
    "oversized_prs": ("size",),
    "slow_ci": ("ci_minutes", "ci_failed"),
    "oncall_load": ("pages",),
    "cfr_batching": ("deploys", "deploy"),
    "wip_rising": ("merge",),
}
# series that move against the kind's direction: fewer deployments, longer waits to one;
# fewer PRs merged without waiting for a freeze, longer waits to merge
AGAINST = {("cfr_batching", "deploy"), ("wip_rising", "merge")}
SHAPES = {
    "pickup": "dur",
    "rounds": "dur",
    "merge": "dur",
    "deploy": "dur",
    "stalled": "bin",
    "after_hours": "bin",
    "size": "val",
    "ci_minutes": "val",
    "ci_failed": "bin",
    "pages": "count",
    "deploys": "count",
}


def ts(text: str | None) -> float:
    if not text:
        return NAN
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


@dataclass
class WorldItems:
    t0: float  # the world's first Monday, 00:00 UTC (week 0)
    series: dict[tuple[str, str], Series]

    def get(self, team: str, name: str) -> Series | None:
        return self.series.get((team, name))


def after_hours(local: datetime, hours: tuple[int, int]) -> bool:
    """Outside the team's working hours on a weekday, or at a weekend (local time)."""
    return local.weekday() >= 5 or not hours[0] <= local.hour < hours[1]


def team_clock(
    t0: float, weeks: int, tz: str, hours: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(hourly grid from t0, working hours done by each point): the team's working hours
    on weekdays in its zone, public holidays (sandbox.sim.clock's) left out. Waits measured
    on it leave out nights and weekends, as the simulator's own review times do."""
    from datetime import timedelta

    from sandbox.sim.clock import public_holidays

    zone = ZoneInfo(tz)
    grid = t0 + HOUR * np.arange(weeks * 168 + 1)
    first = datetime.fromtimestamp(t0, zone)
    off = set(public_holidays(tz, first.date(), (first + timedelta(weeks=weeks)).date()))
    work = np.zeros(grid.size - 1)
    for i, t in enumerate(grid[:-1]):
        at = datetime.fromtimestamp(float(t), zone)
        work[i] = not after_hours(at, hours) and at.date() not in off
    return grid, np.concatenate([[0.0], np.cumsum(work)])


def load_items(d: Path) -> WorldItems:
    """Every team's series of a simulated world folder."""
    org = json.loads((d / "org.json").read_text())
    params = json.loads((d / "eval" / "params.json").read_text())["teams"]
    t0 = ts(str(org["start"]) + "T00:00:00Z")
    repo_team = {r["full_name"]: r["team"] for r in org["repos"]}
    service_team = {s["id"]: s["team"] for s in org["services"]}
    tz = {p["login"]: p.get("tz") or "UTC" for p in org["people"]}
    weeks = int(json.loads((d / "eval" / "params.json").read_text()).get("weeks", 34)) + 8
    clocks = {
        team: team_clock(t0, weeks, str(p.get("tz") or "UTC"), (p["hours"][0], p["hours"][1]))
        for team, p in params.items()
    }
    out: dict[tuple[str, str], Series] = {}

    def s(team: str, name: str) -> Series:
        shape = SHAPES[name]
        clock = clocks.get(team) if shape == "dur" else None
        return out.setdefault((team, name), Series(shape, clock=clock))

    human: dict[tuple[str, int], str] = {}
    for r in _jsonl(d / "eval" / "prs.jsonl"):
        team = str(r["team"])
        human[(r["repo"], int(r["number"]))] = team
        ready, first = float(r["ready"]), r["first_review"]
        closed = r["closed"]
        end = NAN if first is None else float(first)
        stop = NAN if closed is None else float(closed)
        s(team, "pickup").add(ready, end, stop)
        s(team, "size").add(float(r["created"]), value=math.log(max(float(r["size"]), 1.0)))
        limit = float(r["limit_at"])  # the simulator's own label, known by its limit
        if not r["stall"] and first is not None:
            s(team, "stalled").add(min(float(first), limit), value=0.0)
        elif r["stall"]:
            s(team, "stalled").add(limit, value=1.0)
    deploys: dict[str, list[float]] = defaultdict(list)
    for dep in _jsonl(d / "github" / "deployments.jsonl"):
        if dep.get("environment") == "production" and dep["repo"] in repo_team:
            deploys[dep["repo"]].append(ts(dep["created_at"]))
            s(repo_team[dep["repo"]], "deploys").add(ts(dep["created_at"]))
    sorted_deploys = {k: np.sort(np.asarray(v)) for k, v in deploys.items()}
    for pr in _jsonl(d / "github" / "pulls.jsonl"):
        owner = human.get((pr["repo"], int(pr["number"])))
        if owner is None:
            continue
        team = owner
        _pull_stages(pr, team, s, sorted_deploys.get(pr["repo"]))
        h = params.get(team, {}).get("hours", (9, 17))
        hours = (int(h[0]), int(h[1]))
        # commits are pushed before the PR opens, with the after-hours chance of the week it
        # opens: they count from its opening (known then, nothing read ahead)
        opened = ts(pr["created_at"])
        for c in pr.get("commits", []):
            local = datetime.fromisoformat(c["authored_at"])
            s(team, "after_hours").add(opened, value=float(after_hours(local, hours)))
        for rv in pr.get("reviews", []):
            if rv["author"] not in tz or rv["author"].endswith("[bot]"):
                continue
            at = datetime.fromisoformat(rv["submitted_at"].replace("Z", "+00:00"))
            local = at.astimezone(ZoneInfo(tz[rv["author"]]))
            s(team, "after_hours").add(at.timestamp(), value=float(after_hours(local, hours)))
    for run in _jsonl(d / "github" / "workflow_runs.jsonl"):
        runner = repo_team.get(run["repo"])
        if runner is None or run.get("status") != "completed" or run.get("name") == "Deploy":
            continue
        done = ts(run["updated_at"])
        minutes = (done - ts(run.get("run_started_at") or run["created_at"])) / 60.0
        s(runner, "ci_minutes").add(done, value=math.log(max(minutes, 0.1)))
        # a failure re-run and passed (attempt 2) failed first
        failed = run.get("conclusion") == "failure" or int(run.get("run_attempt") or 1) > 1
        s(runner, "ci_failed").add(done, value=float(failed))
    for inc in _jsonl(d / "pagerduty" / "incidents.jsonl"):
        paged = service_team.get(inc["service"])
        if paged is not None:
            s(paged, "pages").add(ts(inc["created_at"]))
    return WorldItems(t0, out)


def _pull_stages(pr: dict[str, Any], team: str, s: Any, deploys: np.ndarray | None) -> None:
    """The waits after pickup: first review -> approval, approval -> merge, merge -> the
    repository's next production deployment."""
    human = [r for r in pr.get("reviews", []) if not r["author"].endswith("[bot]")]
    times = sorted(ts(r["submitted_at"]) for r in human)
    closed = ts(pr.get("closed_at"))
    merged = ts(pr.get("merged_at"))
    stop = closed if math.isnan(merged) else NAN
    if not times:
        return
    approved = sorted(ts(r["submitted_at"]) for r in human if r["state"] == "APPROVED")
    approval = approved[0] if approved else NAN
    s(team, "rounds").add(times[0], approval, stop)
    if not math.isnan(approval):
        s(team, "merge").add(approval, merged, stop)
    if not math.isnan(merged) and deploys is not None:
        i = int(np.searchsorted(deploys, merged))
        s(team, "deploy").add(merged, float(deploys[i]) if i < deploys.size else NAN)


def pre_weeks(onset: int, k: int) -> int:
    """Weeks of the grid before the onset, at week onset + k - 1."""
    return onset - max(0, onset + k - GRID)


def split(start: np.ndarray, t0: float, onset: int, k: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(items begun in the grid's weeks before the onset, items begun in the k weeks since,
    the cut: the end of week onset + k - 1)."""
    cut = t0 + (onset + k) * WEEK
    lo, mid = t0 + (onset - pre_weeks(onset, k)) * WEEK, t0 + onset * WEEK
    return (start >= lo) & (start < mid), (start >= mid) & (start < cut), cut
