"""Control teams for an experiment, chosen like the peers of the insights ("similar teams").

The same distance (`insights.peers.distance`: size, repository kind, work mix) and the same
rule first: the closest teams within the peers' distance, at most four. A team without two
such peers (a small or unusual one) gets its closest teams by that distance instead, and the
report says so: a difference in differences compares changes, not levels, so less alike
teams still serve, but their distance is shown. Teams running an experiment of their own on
the same metric at the same time are left out: their change would leak into the control.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from analytics.context import TeamContext
from analytics.insights.peers import MAX_PEERS, MIN_PEERS, choose_peers, distance

How = Literal["peers", "closest", "none"]


@dataclass(frozen=True)
class Controls:
    """The control teams of one experiment, closest first, and how they were chosen."""

    team: str
    teams: tuple[str, ...]
    distances: tuple[float, ...]
    how: How

    @property
    def usable(self) -> bool:
        return len(self.teams) >= MIN_PEERS

    def describe(self) -> str:
        if not self.teams:
            return "no control teams"
        named = ", ".join(f"{t} ({d:.2f})" for t, d in zip(self.teams, self.distances, strict=True))
        if self.how == "peers":
            return f"{named}: the similar teams of the peer comparison (distance in brackets)"
        return (
            f"{named}: the closest teams by the peer comparison's distance (size, repository "
            "kind, work mix), none close enough to be its similar teams"
        )


def choose_controls(
    team: TeamContext,
    teams: Sequence[TeamContext],
    mix: dict[str, dict[str, float]],
    sizes: dict[str, int],
    exclude: Collection[str] = (),
) -> Controls:
    """The controls of `team` among `teams` but `exclude` (see the module doc)."""
    candidates = [t for t in teams if t.slug not in exclude or t.slug == team.slug]
    peers = choose_peers(team, candidates, mix, sizes)
    if peers.usable:
        return Controls(team.slug, peers.peers, peers.distances, "peers")
    scored = sorted(
        (round(distance(team, other, mix, sizes), 2), other.slug)
        for other in candidates
        if other.slug != team.slug
    )[:MAX_PEERS]
    how: How = "closest" if len(scored) >= MIN_PEERS else "none"
    return Controls(team.slug, tuple(s for _, s in scored), tuple(d for d, _ in scored), how)
