"""Which teams' trackers get a planted cause of delay (requirement churn, a blocking
dependency), whose items may block whose, and the truth written for them
(tracker/planted.json)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence

from sandbox.sim import churn
from sandbox.sim.clock import Span
from sandbox.sim.drafts import Blocker
from sandbox.sim.rand import rng_for
from sandbox.sim.roster import TeamSpec
from sandbox.sim.workitems import Tracker, tracker
from sandbox.world import Planted

# Teams planted with these have delays of a known other cause (or none): no tracker cause.
OTHER_CAUSES = frozenset(
    {"healthy", "review_bottleneck", "review_load_concentration", "stalled_prs"}
)


def plan_trackers(
    seed: int, teams: Sequence[TeamSpec]
) -> tuple[dict[str, frozenset[str]], dict[str, TeamSpec]]:
    """The tracker causes planted per tracker key, and each tracker's partner (whose items
    may block it). Teams already planted with a cause of review delays keep out of it."""
    keep_off = {t.tracker_key for t in teams if {p["kind"] for p in t.planted} & OTHER_CAUSES}
    partners = partners_of(teams)
    return plan_plants(seed, [t.tracker_key for t in teams], keep_off, set(partners)), partners


def made_trackers(
    seed: int,
    teams: Sequence[TeamSpec],
    span: Span,
    plants: Mapping[str, frozenset[str]],
    partners: Mapping[str, TeamSpec],
    onsets: Mapping[str, float] | None = None,
) -> Iterator[tuple[TeamSpec, Tracker]]:
    """Each team's tracker in (tracker, key) order, a partner's blockers reused once its
    follower used them (`workitems.tracker`; `onsets`: plants with a start)."""
    made_blockers: dict[str, list[Blocker]] = {}
    for team in sorted(teams, key=lambda t: (t.tracker, t.tracker_key)):
        partner = partners.get(team.tracker_key)
        known = made_blockers.pop(partner.tracker_key, None) if partner else None
        made = tracker(seed, team, span, plants, partner, known, onsets)
        made_blockers[team.tracker_key] = made.blockers
        yield team, made


def partners_of(teams: Sequence[TeamSpec]) -> dict[str, TeamSpec]:
    """Each tracker's partner: the previous team (by key, the first takes the last) on the
    same tracker (Jira links only Jira issues, Linear relates only Linear issues). Written in
    key order, a team's partner is mostly done already and its `blockers` can be reused."""
    out: dict[str, TeamSpec] = {}
    for kind in ("jira", "linear"):
        same = sorted((t for t in teams if t.tracker == kind), key=lambda t: t.tracker_key)
        if len(same) >= 2:
            for n, team in enumerate(same):
                out[team.tracker_key] = same[n - 1]
    return out


def plan_plants(
    seed: int, keys: Sequence[str], exclude: Collection[str] = (), paired: Collection[str] = ()
) -> dict[str, frozenset[str]]:
    """Which trackers get requirement churn and which a blocking dependency: about a third
    of the eligible teams each, at least one of each where possible, never both. `exclude`
    keeps both off some teams; only `paired` teams (with a partner) can be blocked."""
    rng = rng_for(seed, "tracker-plants")
    order = sorted(k for k in keys if k not in exclude)
    rng.shuffle(order)
    k = max(1, round(len(order) * 0.3))
    out = {key: frozenset[str]() for key in keys}
    blockable = [key for key in order if key in paired][:k]
    for key in blockable:
        out[key] = frozenset({churn.BLOCKING})
    for key in [key for key in order if key not in blockable][:k]:
        out[key] = frozenset({churn.CHURN})
    return out


def tracker_truth(
    plants: Mapping[str, frozenset[str]],
    teams: Sequence[TeamSpec],
    span: Span,
    onset_weeks: Mapping[str, int] | None = None,
) -> list[Planted]:
    """The planted tracker causes as ground truth (tracker/planted.json; tests and
    evaluation only): requirement churn or a blocking dependency, over the whole span or
    from the week `onset_weeks` gives the tracker key."""
    notes = {
        churn.CHURN: "descriptions and estimates change after work began, items reopen and "
        "bounce between review and in progress",
        churn.BLOCKING: "a quarter of the items outside epics wait on another team's open item "
        "(blocked-by links, flagged)",
    }
    out: list[Planted] = []
    for team in teams:
        for kind in sorted(plants.get(team.tracker_key, frozenset())):
            out.append(
                Planted(
                    team=team.slug,
                    kind=kind,
                    first_week=span.week_label((onset_weeks or {}).get(team.tracker_key, 0)),
                    magnitude=churn.PLANTED.reopen if kind == churn.CHURN else churn.BLOCKED_SHARE,
                    note=notes[kind],
                )
            )
    return out
