"""Which mechanisms an evaluation world plants, where, when and how strongly.

One of each mechanism goes to a random team, then `n_teams // 2` more to random teams, so a
team can carry several (at most three, never two on the same knob) and which team carries
what changes with the seed. Sizes are drawn uniformly from 1.1x to 2x; onsets uniformly
from 44 % of the span to four weeks before its end, so every effect has at least four weeks
to be found in.
"""

from __future__ import annotations

import dataclasses
import math

from sandbox.sim.clock import Span
from sandbox.sim.evalspec import EXCLUSIVE, MECHANISMS, Mechanism, concentration_factor
from sandbox.sim.rand import rng_for
from sandbox.sim.roster import TeamSpec

MAX_PER_TEAM = 3
SIZE_RANGE = (1.1, 2.0)


def onset_range(weeks: int) -> tuple[int, int]:
    """The weeks an onset is drawn from (inclusive)."""
    return max(2, math.ceil(weeks * 0.44)), max(2, weeks - 4)


def _fits(name: str, carried: list[str]) -> bool:
    if name in carried or len(carried) >= MAX_PER_TEAM:
        return False
    return not (name in EXCLUSIVE and EXCLUSIVE & set(carried))


def draw_mechanisms(seed: int, teams: list[TeamSpec], weeks: int) -> list[Mechanism]:
    """One of each mechanism, then n_teams // 2 more, on random teams."""
    rng = rng_for(seed, "eval-mechanisms")
    first, last = onset_range(weeks)
    names = list(MECHANISMS)
    wanted = names + [rng.choice(names) for _ in range(len(teams) // 2)]
    carried: dict[str, list[str]] = {t.slug: [] for t in teams}
    out: list[Mechanism] = []
    for name in wanted:
        options = [t.slug for t in teams if _fits(name, carried[t.slug])]
        if not options:
            continue
        slug = rng.choice(options)
        carried[slug].append(name)
        out.append(
            Mechanism(
                name=name,
                team=slug,
                onset=rng.randint(first, last),
                size=round(rng.uniform(*SIZE_RANGE), 2),
                ramp=rng.randint(1, 6) if name == "after_hours_creep" else 0,
                duration=rng.randint(2, 4) if name == "merge_freeze" else None,
                variant=rng.choice(("slower", "flakier")) if name == "slow_ci" else "",
            )
        )
    return out


def finish_mechanisms(teams: list[TeamSpec], mechanisms: list[Mechanism], span: Span) -> None:
    """Attach each mechanism to its team's profile; a concentration gets its weight factor
    (so the two most-asked reviewers' share grows by its size) and names those two."""
    by_slug = {t.slug: t for t in teams}
    for m in mechanisms:
        team = by_slug[m.team]
        assert team.ev is not None
        if m.name == "review_concentration":
            present = [p for p in team.members if p.present(m.onset)]
            weights = {p.login: p.review_weight for p in present}
            rates = dict.fromkeys(weights, 1.0)
            heavy = tuple(sorted(weights, key=lambda k: -weights[k])[:2])
            team.ev.heavy = heavy
            m = dataclasses.replace(
                m, param=round(concentration_factor(weights, rates, heavy, m.size), 4)
            )
        team.ev.mechanisms.append(m)
