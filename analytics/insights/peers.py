"""Similar teams: peers chosen by size, repository kind and work mix, named in the insight.

"Review time is 40 % longer than in similar teams" is only fair when the teams are alike, so
the distance adds the log-ratio of sizes, the difference of repository kinds and the L1
distance of feature/bug/debt/ops shares of merged PRs; peers are the closest teams within
MAX_DISTANCE, at most MAX_PEERS of them, and no comparison is made with fewer than MIN_PEERS.
A team of one or two persons is no one's peer: its figures would be their numbers.

A comparison of levels (is this team's review wait above the typical one?) uses a wider set,
`PeerSet.level`: up to LEVEL_PEERS teams within LEVEL_DISTANCE (the same repository kind,
sizes within about 2.5x). Teams differ by chance, so the median of two to four nearest teams
is itself a draw: on the evaluation worlds (bench/README.md, "Insight quality") a team as
fast as the typical team of its kind was flagged slow for nine weeks running because its four
nearest teams happened to be the fastest of the kind.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from analytics.context import TeamContext
from analytics.metrics.worktype import TYPES, rule_types
from analytics.persons import enough_for_work

MIN_PEERS = 2
MAX_PEERS = 4
MAX_DISTANCE = 0.4  # e.g. sizes within 1.5x of each other, same repo kind and mix
LEVEL_PEERS = 8
LEVEL_DISTANCE = 0.9  # the same repository kind (a mismatch alone is 1.0), sizes within ~2.5x


@dataclass(frozen=True)
class PeerSet:
    """The peers of one team, closest first, with how they were chosen."""

    team: str
    peers: tuple[str, ...]
    distances: tuple[float, ...] = ()
    basis: str = "size, repository kind and work mix"
    level: tuple[str, ...] = ()  # the wider set a comparison of levels uses (closest first)

    @property
    def usable(self) -> bool:
        return len(self.peers) >= MIN_PEERS

    @property
    def reference(self) -> tuple[str, ...]:
        """The teams a level is compared with: `level` when chosen, else the peers."""
        return self.level or self.peers

    def describe_reference(self) -> str:
        if not self.level:
            return self.describe()
        return ", ".join(self.level) + " (teams of the same repository kind and a similar size)"

    def describe(self) -> str:
        if not self.peers:
            return "no similar teams"
        return ", ".join(self.peers) + f" (similar by {self.basis})"


def repo_kind(team: TeamContext) -> str:
    """The most common kind among the team's repositories ("product" when none)."""
    kinds = Counter(r.kind for r in team.repos)
    return kinds.most_common(1)[0][0] if kinds else "product"


def work_mix(prs: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per team: shares of feature/bug/debt/ops among its typed merged PRs."""
    merged = prs[prs["merged_at"].notna() & ~prs["author_is_bot"]]
    if merged.empty:
        return {}
    none = pd.Series(None, index=merged.index, dtype=object)
    types, _ = rule_types(merged["labels"], none, merged["title"], merged["head_ref"].fillna(""))
    out: dict[str, dict[str, float]] = {}
    for team, t in types.groupby(merged["team"]):
        typed = t.dropna()
        if len(typed) >= 10:
            shares = typed.value_counts(normalize=True)
            out[str(team)] = {k: float(shares.get(k, 0.0)) for k in TYPES}
    return out


def distance(
    a: TeamContext,
    b: TeamContext,
    mix: dict[str, dict[str, float]],
    sizes: dict[str, int],
    kinds: Mapping[str, str] | None = None,
) -> float:
    """Log-ratio of sizes + repository-kind mismatch (0/1) + half the L1 work-mix gap
    (`kinds`: each team's `repo_kind`, when known)."""
    size = abs(math.log(max(sizes.get(a.slug, 1), 1) / max(sizes.get(b.slug, 1), 1)))
    ka, kb = (kinds[a.slug], kinds[b.slug]) if kinds else (repo_kind(a), repo_kind(b))
    kind = 0.0 if ka == kb else 1.0
    ma, mb = mix.get(a.slug), mix.get(b.slug)
    work = sum(abs(ma[k] - mb[k]) for k in TYPES) / 2 if ma and mb else 0.25
    return size + kind + work


def choose_peers(
    team: TeamContext,
    teams: Sequence[TeamContext],
    mix: dict[str, dict[str, float]],
    sizes: dict[str, int],
    kinds: Mapping[str, str] | None = None,
) -> PeerSet:
    """The closest teams to `team` (see module doc); `sizes` are active people per team,
    `kinds` (optional) every team's `repo_kind`, for a run that asks of every team."""
    scored = sorted(
        (distance(team, other, mix, sizes, kinds), other.slug)
        for other in teams
        if other.slug != team.slug and enough_for_work(other)
    )
    close = [(d, s) for d, s in scored if d <= MAX_DISTANCE][:MAX_PEERS]
    wide = tuple(s for d, s in scored if d <= LEVEL_DISTANCE)[:LEVEL_PEERS]
    return PeerSet(
        team.slug,
        tuple(s for _, s in close),
        tuple(round(d, 2) for d, _ in close),
        level=wide,
    )
