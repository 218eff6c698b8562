"""The simulator's own stall probability of any PR of an evaluation world at any instant:
the Bayes-optimal score a stall model can be compared with.

`StallOracle(world_dir)` rebuilds the world's people and calendars from eval/params.json
(the same seed and options give the same org, without simulating any PR) and, for a PR
record of eval/prs.jsonl and an instant `t`, returns P(stall | everything the simulator
knows at `t`): None once the PR was reviewed or closed by `t`, 1.0 once `t` is past the
limit with neither, else `evalstall.p_stall` given that neither has happened yet.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.sim.clock import HOUR, Calendar, make_span
from sandbox.sim.evalroster import EvalPlan, build_eval_world
from sandbox.sim.evalstall import p_stall


class StallOracle:
    """Exact stall probabilities of one evaluation world's PRs (see the module doc)."""

    def __init__(self, world_dir: Path, plan: EvalPlan | None = None) -> None:
        params = json.loads((world_dir / "eval" / "params.json").read_text())
        span = make_span(datetime.fromtimestamp(params["end"], UTC), params["weeks"])
        ew = build_eval_world(params["seed"], params["n_teams"], span, plan or EvalPlan())
        self.calendars: dict[str, Calendar] = {
            m.login: m.cal for t in ew.world.teams for m in t.members
        }

    def p_at(self, pr: dict[str, Any], t: float) -> float | None:
        """P(stall) of the PR record `pr` as known at instant `t` (epoch seconds)."""
        done = [x for x in (pr["first_review"], pr["closed"]) if x is not None]
        if done and min(done) <= t:
            return None
        if t >= pr["limit_at"]:
            return 1.0
        ready = pr["ready"]
        if t <= ready:
            t = ready
        reviewer, author = self.calendars[pr["reviewer"]], self.calendars[pr["author"]]
        w_star = reviewer.work_between(ready, pr["limit_at"]) / HOUR
        w_a = reviewer.work_between(ready, t) / HOUR
        h_a = author.work_between(ready, t) / HOUR
        return p_stall(pr["p_branch"], pr["median"], w_star, w_a, h_a)
