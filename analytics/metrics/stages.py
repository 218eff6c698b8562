"""Lead-time stages that always add up to the lead time.

A merged PR's lead time passes six moments: first commit, ready for review, first review,
approval, merge and the finish of the deployment that shipped it. Recorded moments do not
always come in that order: a commit's author date is set on the developer's machine, so a
rebase, an amended commit or a skewed clock can date the first commit after the PR was
ready, or even after its merge. Clamping only the coding stage at 0 (as before) left the
total measured from the late commit date, so a total could be smaller than one of its
stages. One rule now orders every moment, for the stages and the total alike:

- each moment that falls after a later one is moved back to the earliest later moment that
  happened (walking back from the deployment; the moments the servers record, review,
  merge and deployment, stay put, in practice only a late commit date moves);
- a stage runs from the previous moment that happened to its own closing moment; a stage
  whose closing moment did not happen (no review, no approval) has no value, and its time
  counts in the next stage that has one;
- the lead time runs from the first (moved) moment to the deployment.

So every stage is >= 0 and the stages with a value add up to the lead time exactly (up to
float rounding of the hours).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analytics.arrays import NAT

MOMENTS = ("first_commit", "ready", "first_review", "approval", "merge", "deploy")
STAGES = ("coding", "pickup", "review", "merge", "deploy")  # stage k ends at MOMENTS[k + 1]
HOUR_NS = 3_600 * 1_000_000_000


def ordered(moments: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The moments (int64 ns per PR, NAT = did not happen) with each one that falls after a
    later moment moved back to the earliest later moment that happened."""
    big = np.iinfo(np.int64).max
    later = np.full(len(moments[0]), big, dtype=np.int64)
    out: list[np.ndarray] = []
    for m in reversed(moments):
        m = np.asarray(m, dtype=np.int64)
        happened = m != NAT
        moved = np.where(happened, np.minimum(m, later), NAT)
        later = np.where(happened, moved, later)
        out.append(moved)
    return out[::-1]


def stage_hours(moments: Sequence[np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(hours of each of STAGES, lead time in hours) per PR from the six MOMENTS; NaN for a
    stage whose closing moment did not happen and for a lead time without a deployment."""
    if len(moments) != len(MOMENTS):
        raise ValueError(f"expected the {len(MOMENTS)} moments {MOMENTS}, got {len(moments)}")
    b = ordered(moments)
    prev = b[0]
    stages: dict[str, np.ndarray] = {}
    for name, end in zip(STAGES, b[1:], strict=True):
        ok = (end != NAT) & (prev != NAT)
        stages[name] = np.where(ok, (end - np.where(ok, prev, 0)) / HOUR_NS, np.nan)
        prev = np.where(end != NAT, end, prev)
    ok = (b[-1] != NAT) & (b[0] != NAT)
    total = np.where(ok, (b[-1] - np.where(ok, b[0], 0)) / HOUR_NS, np.nan)
    return stages, total
