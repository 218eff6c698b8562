"""The metrics the bot knows: ids, aliases, units, definitions, and how each is computed.

Each spec carries its behaviour: the frames it needs, the builder of its items
(`analytics.items`) and how they aggregate (`analytics.figures` via `Grouped`, or
`Snapshot`), so the engine never branches on a metric's id. `analytics.engine.METRICS`
re-exports `METRICS`; `resolve()` turns what a person typed ("review time", "MTTR",
"deploys") into a spec, with a "did you mean" when nothing matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from analytics import figures, items
from analytics.aggregate import Grouped, Snapshot
from analytics.context import Thresholds
from analytics.definitions import DEFINITIONS
from analytics.items import ItemsFn
from analytics.metrics import dora
from analytics.metrics.worktype import TRAIN_WEEKS
from analytics.names import suggest
from analytics.ownership import RULES
from analytics.persons import Privacy

Kind = str  # distribution | rate | ratio | people-share | review-load | mix | snapshot


@dataclass(frozen=True)
class MetricSpec:
    """How one metric is computed and explained.

    `needs`: the frames `analytics.load` must provide. `items`: builds one row per
    observation from them. `aggregation`: how those rows become per-bucket figures.
    `privacy`: what the figure is built from, so which floor withholds it
    (`analytics.persons.withheld_reason`): "people" (individual people's activity: groups
    under the team's min_group_size), "work" (the work people did: teams, and periods, with
    fewer than 3 persons behind it) or "service" (deployments and incidents: never).
    Stated on every spec, never inferred. `up_is_good`: which direction of the trend is an
    improvement (None: neither). `empty_note`: what an answer without items says (None:
    nothing, a rate of 0 says it). `window_note`: words added to the answer's window.
    `shares`: intermediate tables it shares with other metrics (computed once in bulk).
    """

    id: str
    name: str
    unit: str
    description: str
    definition: str
    needs: frozenset[str]
    kind: Kind
    items: ItemsFn
    aggregation: Grouped | Snapshot
    privacy: Privacy
    up_is_good: bool | None = None
    aliases: tuple[str, ...] = ()
    tier: Callable[[float | None], str | None] | None = None
    uses_clock: bool = False
    baseline: str = "median of the weekly values of the previous weeks"
    empty_note: str | None = "no data in the period"
    window_note: Callable[[Thresholds], str] | None = None
    shares: frozenset[str] = frozenset()
    history_weeks: int = 0
    """Complete weeks before the as-of week whose items the metric reads whatever period is
    asked (work-mix: its classifier's training weeks, `items.train_window`)."""

    @property
    def people_based(self) -> bool:
        """Built from individual people's activity (the min_group_size floor)."""
        return self.privacy == "people"

    @property
    def default_rule(self) -> str:
        """The ownership rule an answer names when no item said which one applied."""
        if self.needs & {"deployments", "incidents", "pages"}:
            return RULES["service"] + " / " + RULES["repository"]
        if "work_items" in self.needs and "prs" not in self.needs:
            return RULES["project"]
        return RULES["pr-author"]


def _incident_window(th: Thresholds) -> str:
    w = th.incident_window
    span = "until the next deployment" if w is None else f"{w.total_seconds() / 3600:g} h"
    return "incident attribution window " + span


def _f(*names: str) -> frozenset[str]:
    return frozenset(names)


_PR = _f("prs", "reviews", "people")

_SPECS = (
    MetricSpec(
        id="review-time",
        name="Time to first review",
        unit="hours",
        description="How long ready pull requests wait for their first review.",
        definition=DEFINITIONS["review-time"],
        needs=_PR,
        kind="distribution",
        items=items.review_time,
        aggregation=Grouped(figures.distribution),
        privacy="work",
        up_is_good=False,
        aliases=("review time", "time to first review", "pickup", "first review", "ttfr"),
        uses_clock=True,
    ),
    MetricSpec(
        id="lead-time",
        name="Lead time for changes",
        unit="hours",
        description="From a change's first commit to the production deployment that shipped it.",
        definition=DEFINITIONS["lead-time"],
        needs=_f("prs", "reviews", "commits", "pr_deployments", "people"),
        kind="distribution",
        items=items.lead_time,
        aggregation=Grouped(figures.distribution, (figures.stage_medians,)),
        privacy="work",
        up_is_good=False,
        aliases=("lead time", "lead time for changes", "ltc", "cycle-time-pr"),
        tier=dora.tier_lead_time,
    ),
    MetricSpec(
        id="deploy-frequency",
        name="Deployment frequency",
        unit="deploys/week",
        description="Successful production deployments of the team's services per week.",
        definition=DEFINITIONS["deploy-frequency"],
        needs=_f("deployments"),
        kind="rate",
        items=items.deploy_frequency,
        aggregation=Grouped(figures.rate, per_week=True),
        privacy="service",
        empty_note=None,
        up_is_good=True,
        aliases=("deployment frequency", "deploys", "deployments", "df"),
        tier=dora.tier_deploy_frequency,
    ),
    MetricSpec(
        id="cfr",
        name="Change failure rate",
        unit="share",
        description="Share of production deployments followed by an incident.",
        definition=DEFINITIONS["cfr"],
        needs=_f("deployments", "incidents"),
        kind="ratio",
        items=items.change_failures,
        aggregation=Grouped(figures.ratio, (figures.failures,)),
        privacy="service",
        window_note=_incident_window,
        up_is_good=False,
        aliases=("change failure rate", "failure rate", "change-failure-rate"),
        tier=dora.tier_change_failure_rate,
    ),
    MetricSpec(
        id="recovery-time",
        name="Failed deployment recovery time",
        unit="hours",
        description="How long incidents take from start to resolution.",
        definition=DEFINITIONS["recovery-time"],
        needs=_f("incidents"),
        kind="distribution",
        items=items.recovery_time,
        aggregation=Grouped(figures.distribution),
        privacy="service",
        empty_note="no resolved incidents in the window: no recovery time (not 0)",
        up_is_good=False,
        aliases=("recovery time", "mttr", "time to restore", "time to recovery", "fdrt"),
        tier=dora.tier_recovery_time,
    ),
    MetricSpec(
        id="cycle-time",
        name="Issue cycle time",
        unit="hours",
        description="From an issue's first move to in-progress until it is done.",
        definition=DEFINITIONS["cycle-time"],
        needs=_f("work_items", "transitions"),
        kind="distribution",
        items=items.cycle_time,
        aggregation=Grouped(figures.distribution),
        privacy="work",
        up_is_good=False,
        aliases=("cycle time", "issue cycle time"),
    ),
    MetricSpec(
        id="throughput",
        name="PR throughput",
        unit="PRs/week",
        description="Pull requests merged per week.",
        definition=DEFINITIONS["throughput"],
        needs=_f("prs"),
        kind="rate",
        items=items.throughput,
        aggregation=Grouped(figures.rate, per_week=True),
        privacy="work",
        empty_note=None,
        up_is_good=True,
        aliases=("merged prs", "prs merged", "velocity"),
    ),
    MetricSpec(
        id="pr-size",
        name="PR size",
        unit="lines",
        description="Lines changed per merged pull request, and its distribution over buckets.",
        definition=DEFINITIONS["pr-size"],
        needs=_f("prs"),
        kind="distribution",
        items=items.pr_size,
        aggregation=Grouped(figures.distribution, (figures.size_shares,)),
        privacy="work",
        up_is_good=False,
        aliases=("pr size", "size", "batch size"),
    ),
    MetricSpec(
        id="wip",
        name="Work in progress",
        unit="open PRs",
        description="Open pull requests (and issues in progress) at the end of the period.",
        definition=DEFINITIONS["wip"],
        needs=_f("prs", "work_items", "transitions"),
        kind="snapshot",
        items=items.work_in_progress,
        aggregation=Snapshot(),
        privacy="work",
        up_is_good=False,
        aliases=("work in progress", "open prs", "ageing", "aging"),
    ),
    MetricSpec(
        id="review-rounds",
        name="Review rounds and rework",
        unit="share",
        description="Share of merged PRs that needed at least one changes-requested round.",
        definition=DEFINITIONS["review-rounds"],
        needs=_f("prs", "reviews", "commits", "people"),
        kind="ratio",
        items=items.review_rounds,
        aggregation=Grouped(figures.ratio, (figures.rounds,)),
        privacy="work",
        up_is_good=False,
        aliases=("review rounds", "rework", "changes requested"),
    ),
    MetricSpec(
        id="after-hours",
        name="After-hours work",
        unit="share",
        description="Share of commits and reviews outside working hours, in each person's time.",
        definition=(
            "Share of the commits and reviews made by the team's members (bots excluded) "
            "outside the team's working days and hours, read on the local clock of whoever "
            "made each one: a commit's own UTC offset when its git date carries one (reviews "
            "carry none); otherwise that person's zone, one for all of their identities (the "
            "config's, else the one PagerDuty publishes, else Jira's); otherwise the team's "
            "zone. The share made on non-working days is beside it. Team-level only, "
            "withheld for groups smaller than the team's minimum."
        ),
        needs=_f("commits", "member_reviews", "people"),
        kind="people-share",
        items=items.after_hours,
        aggregation=Grouped(figures.people_share),
        privacy="people",
        shares=frozenset({items.ACTIVITY}),
        up_is_good=False,
        aliases=("after hours", "out of hours", "overtime", "weekend work"),
    ),
    MetricSpec(
        id="review-load",
        name="Review load concentration",
        unit="share",
        description="How much of the team's reviewing the two busiest reviewers carry.",
        definition=DEFINITIONS["review-load"],
        needs=_f("commits", "member_reviews", "people"),
        kind="review-load",
        items=items.review_load,
        aggregation=Grouped(figures.review_load),
        privacy="people",
        shares=frozenset({items.ACTIVITY}),
        up_is_good=False,
        aliases=("review load", "review concentration", "reviewer load"),
    ),
    MetricSpec(
        id="out-of-hours-pages",
        name="Out-of-hours pages",
        unit="share",
        description="Share of pages that reached a responder outside their working hours.",
        definition=(
            "Share of the pages for the team's incidents that reached a responder outside "
            "the team's working days and hours on the responder's local clock: their zone, "
            "one for all of their identities (the config's, else the one PagerDuty "
            "publishes, else Jira's), else the team's. Pages without a known responder are "
            "left out. Team-level only, withheld for groups smaller than the minimum."
        ),
        needs=_f("pages", "people"),
        kind="people-share",
        items=items.pages,
        aggregation=Grouped(figures.people_share),
        privacy="people",
        up_is_good=False,
        aliases=("pages", "paging", "on-call", "oncall"),
    ),
    MetricSpec(
        id="work-mix",
        name="Work-type mix",
        unit="share",
        description="Feature, bug, debt and ops shares of merged PRs and finished issues.",
        definition=DEFINITIONS["work-mix"],
        needs=_f("prs", "work_items"),
        kind="mix",
        items=items.work_mix,
        aggregation=Grouped(figures.mix),
        privacy="work",
        up_is_good=None,
        aliases=("work mix", "work type", "investment", "mix"),
        history_weeks=TRAIN_WEEKS,
    ),
)

METRICS: dict[str, MetricSpec] = {s.id: s for s in _SPECS}


def _normal(text: str) -> str:
    return text.strip().lower().replace("_", "-").replace(" ", "-")


def resolve(name: str) -> MetricSpec:
    """The spec for a metric id or alias; KeyError with a suggestion otherwise."""
    key = _normal(name)
    for spec in _SPECS:
        if key == spec.id or key in {_normal(a) for a in spec.aliases}:
            return spec
    names = [s.id for s in _SPECS] + [a for s in _SPECS for a in s.aliases]
    hint = suggest(name, names)
    if hint is not None:
        hint = resolve(hint).id
    raise KeyError(f"unknown metric {name!r}" + (f"; did you mean {hint!r}?" if hint else ""))
