"""`why`: the cause diagnosis of a flagged delay, the same for the CLI, `/metrics why` and
the digest's "likely cause" line (all three ask `AnalyticsPort.why` through here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.config import TeamConfig
from bot.core.views import AnswerDeps
from bot.slack.catalog import closest, norm
from bot.slack.errors import UserError
from bot.slack.text import did_you_mean, echo

if TYPE_CHECKING:
    from analytics.diagnosis import Diagnosis
    from analytics.insights.engine import OrgRun
    from analytics.insights.model import Insight

WHY_WORDS = ("review-time", "pickup", "lead-time", "cycle-time")
"""The metrics `why` diagnoses (pickup: time to first review)."""
DELAY_METRICS = ("review-time", "lead-time", "cycle-time")


class UnknownWhyMetric(UserError):
    """`why` was asked about something that is not a delay it can diagnose."""


def why_metric(word: str) -> str:
    """The metric id `why` diagnoses for `word`; UnknownWhyMetric (with suggestions)."""
    from analytics.diagnosis import why_metric as resolve

    try:
        return resolve(word)
    except KeyError:
        close = [w for w in closest(norm(word), list(WHY_WORDS), cutoff=0.5)]
        raise UnknownWhyMetric(
            f"`why` explains delays in review-time (pickup), lead-time or cycle-time, not "
            f"`{echo(word)}`.{did_you_mean(close)}"
        ) from None


def explain(
    deps: AnswerDeps,
    team: TeamConfig,
    metric: str,
    as_of: datetime,
    week: str | None = None,
) -> Diagnosis:
    """The diagnosis of `metric` for `team` in `week` (None: the last full week)."""
    return explain_all(deps, team, [metric], as_of, week)[0]


def explain_all(
    deps: AnswerDeps,
    team: TeamConfig,
    metrics: Sequence[str],
    as_of: datetime,
    week: str | None = None,
) -> list[Diagnosis]:
    return deps.analytics.why(
        engine=deps.engine,
        org=deps.org,
        team=team.slug,
        metrics=list(metrics),
        week=week,
        as_of=as_of,
        switches=dict(team.detectors),
    )


def delay_metric(ins: Insight) -> str | None:
    """The delay metric a shown insight is about (None: it is not about a delay)."""
    if ins.metric in DELAY_METRICS:
        return str(ins.metric)
    return None


def likely_causes(
    deps: AnswerDeps, team: TeamConfig, insights: Sequence[Insight], run: OrgRun
) -> dict[str, str]:
    """insight id -> the one-line likely cause of the delay it flags (digest), for the
    flagged delays a cause was found for: `why` on the digest's own detector run (`run`,
    from `org_findings` with the team's switches), so the line is the answer `explain`
    gives for the same team and instant, without loading the org again."""
    from analytics.diagnosis.verdict import headline

    wanted = {m for i in insights if (m := delay_metric(i)) is not None}
    if not wanted:
        return {}
    diagnoses = deps.analytics.why_on(
        engine=deps.engine, run=run, team=team.slug, metrics=sorted(wanted)
    )
    found = {d.metric: d for d in diagnoses}
    out = {}
    for ins in insights:
        d = found.get(delay_metric(ins) or "")
        if d is not None and d.status == "diagnosed" and d.likely is not None:
            out[ins.id] = headline(d)
    return out
