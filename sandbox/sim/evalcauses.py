"""Causes of a delay planted on request in an evaluation world (issue 17's `why` bench).

Each cause acts through the generating model itself, so the delay it causes is the one the
data shows, not a multiplier on the outcome:

- understaffing: from the onset only 1/size of the team's reviewers review (the others
  left reviewing): each remaining reviewer's queue and load grow, and so do the waits;
- vacations: from the onset each week a share 1 - 1/size of the reviewers is away, in turn;
- review_concentration: the two most-asked reviewers' weight grows (evalspec, drawn too);
- bigger_prs: the PR size median grows (evalspec, drawn too), and larger PRs wait longer;
- requirement_churn: changes-requested reviews become `size` times as likely, so more review
  rounds and rework commits after the first review.

`cause_plan` puts each cause on its own random team (the truth: one planted cause per
team), with an onset late enough that the team's baseline precedes it. `CAUSE_OF` maps a
mechanism to the cause a diagnosis should name first.
"""

from __future__ import annotations

import hashlib

from sandbox.sim.evalspec import EvalProfile, Mechanism
from sandbox.sim.rand import rng_for
from sandbox.sim.roster import Member

CAUSE_OF: dict[str, str] = {
    "understaffing": "capacity",
    "vacations": "capacity",
    "review_concentration": "concentration",
    "bigger_prs": "size",
    "requirement_churn": "requirements",
}
SIZES: dict[str, tuple[float, float]] = {
    "understaffing": (2.5, 3.5),  # 1/2.5 to 1/3.5 of the reviewers left
    "vacations": (2.0, 3.0),  # 50-67 % away each week
    "review_concentration": (2.0, 2.5),
    "bigger_prs": (2.5, 3.5),
    "requirement_churn": (3.0, 4.0),
}


def _rank(login: str) -> str:
    return hashlib.sha256(login.encode()).hexdigest()


def staffed(ev: EvalProfile, roster: list[Member], people: list[Member], week: int) -> list[Member]:
    """`people` (the reviewers a PR may go to) without those understaffing or a vacation
    keeps from reviewing in `week`; unchanged (no draw made) when neither is planted."""
    kept, away = ev.reviewers_kept(week), ev.away_share(week)
    if kept >= 1.0 and away <= 0.0:
        return people
    order = sorted(roster, key=lambda m: _rank(m.login))
    out = set(m.login for m in order)
    if kept < 1.0:
        out = {m.login for m in order[: max(2, round(len(order) * kept))]}
    if away > 0.0:
        n = len(order)
        gone = max(1, round(n * away))
        out -= {m.login for i, m in enumerate(order) if (i - week * gone) % n < gone}
    left = [m for m in people if m.login in out]
    return left or people


def cause_plan(seed: int, slugs: list[str], weeks: int) -> tuple[Mechanism, ...]:
    """Each cause of CAUSE_OF on its own random team of `slugs`, with a size drawn from
    SIZES and an onset 6 to 9 weeks before the end."""
    rng = rng_for(seed, "why-causes")
    chosen = rng.sample(slugs, len(CAUSE_OF))
    out = []
    for name, slug in zip(CAUSE_OF, chosen, strict=True):
        out.append(
            Mechanism(
                name=name,
                team=slug,
                onset=rng.randint(weeks - 9, weeks - 6),
                size=round(rng.uniform(*SIZES[name]), 2),
            )
        )
    return tuple(out)


TRACKER_CAUSE_OF: dict[str, str] = {
    "requirement_churn": "requirements",  # sandbox.sim.churn.CHURN, in the tracker
    "blocking_dependency": "dependencies",  # sandbox.sim.churn.BLOCKING
}


def tracker_cause_plan(
    seed: int, slugs: list[str], weeks: int, taken: set[str]
) -> tuple[Mechanism, ...]:
    """Each tracker-side cause (requirement churn, a blocking dependency: `churn.py`'s
    rates from the onset on) on its own random team of `slugs` outside `taken`, with an
    onset 6 to 9 weeks before the end (for EvalPlan.tracker_causes)."""
    rng = rng_for(seed, "why-tracker-causes")
    chosen = rng.sample(sorted(set(slugs) - taken), len(TRACKER_CAUSE_OF))
    return tuple(
        Mechanism(name=name, team=slug, onset=rng.randint(weeks - 9, weeks - 6), size=1.0)
        for name, slug in zip(TRACKER_CAUSE_OF, chosen, strict=True)
    )
