"""A seeded simulator of an engineering org, written in the format of sandbox.world.

from sandbox.sim import simulate
summary = simulate(Path("world"), seed=7, scale="small")
"""

from sandbox.sim.api import DEFAULT_END, SCALE_TEAMS, SimSummary, simulate
from sandbox.sim.evalroster import EVAL_TEAMS, EVAL_WEEKS, EvalPlan
from sandbox.sim.evalspec import Mechanism

__all__ = [
    "DEFAULT_END",
    "EVAL_TEAMS",
    "EVAL_WEEKS",
    "SCALE_TEAMS",
    "EvalPlan",
    "Mechanism",
    "SimSummary",
    "simulate",
]
