"""Answers to "what is metric M for team T over period P": one engine for CLI and Slack.

Both `metrics-bot query` and `/metrics <metric> <team>` come through here, so the numbers a
lead sees in Slack are exactly the ones an admin can check from the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analytics.insights.model import Insight
    from analytics.values import MetricValue
    from bot.core.views import AnswerContext
    from bot.runtime import Runtime
    from bot.slack.catalog import Catalog

MAX_PERIOD = timedelta(days=2 * 366)
PERIOD_WORDS = "7d, 4w, week, month, quarter or YYYY-MM-DD..YYYY-MM-DD"


class QueryError(Exception):
    """A question that cannot be answered as asked; the message says how to ask it."""


@dataclass(frozen=True)
class Period:
    """A half-open window [start, end) in UTC."""

    start: datetime
    end: datetime


def parse_period(text: str, as_of: datetime) -> Period:
    """A window ending at `as_of` in `/metrics` words (7d, 4w, month, quarter), or dates.

    The words and their limits are the Slack grammar's own (bot.slack.grammar.parse_period),
    so the terminal and Slack accept the same periods; the CLI adds inclusive date ranges
    (YYYY-MM-DD..YYYY-MM-DD, UTC) for looking back at a fixed stretch.
    """
    from bot.slack.errors import UserError
    from bot.slack.grammar import parse_period as parse_period_word

    text = text.strip().lower()
    if ".." in text:
        return _date_range(text)
    try:
        found = parse_period_word(text) if text else None
    except UserError as exc:
        raise QueryError(str(exc).replace("`", "'")) from None
    if found is None:
        raise QueryError(f"The period {text!r} is not one I know: use {PERIOD_WORDS}.")
    return Period(as_of - timedelta(days=found.days), as_of)


def _date_range(text: str) -> Period:
    first, _, last = text.partition("..")
    try:
        start = datetime.combine(date.fromisoformat(first), time(), UTC)
        end = datetime.combine(date.fromisoformat(last), time(), UTC) + timedelta(days=1)
    except ValueError:
        raise QueryError(
            f"The period {text!r} is not a date range: write it as YYYY-MM-DD..YYYY-MM-DD."
        ) from None
    if end <= start:
        raise QueryError(f"The period {text!r} ends before it starts.")
    if end - start > MAX_PERIOD:
        raise QueryError(f"The period {text!r} is longer than two years, the most at a time.")
    return Period(start, end)


def parse_week(text: str) -> str:
    """An ISO week label ("2026-W47") as the digest and insights use it; QueryError otherwise."""
    from bot.digest.weeks import parse_week as split_week

    try:
        year, number = split_week(text)
    except ValueError:
        raise QueryError(
            f"The week {text!r} is not an ISO week that exists: write it as 2026-W47."
        ) from None
    return f"{year}-W{number:02d}"


def metric_catalog() -> Catalog:
    """The metric words `/metrics` understands, built the same way the Slack app builds them."""
    from bot.core.ports import default_analytics
    from bot.slack.catalog import Catalog

    port = default_analytics()

    def suggest(word: str, candidates: Iterable[str]) -> list[str]:
        return port.suggest(word=word, candidates=candidates)

    return Catalog(port.metrics, suggest)


def resolve_metrics(word: str) -> list[str]:
    """Metric ids for a word: one metric by id or alias, or a group (`dora`, `health`)."""
    from bot.slack.catalog import DORA, HEALTH, norm

    catalog = metric_catalog()
    groups = {"dora": DORA, "health": HEALTH}
    if norm(word) in groups:
        return [info.id for info in catalog.group(groups[norm(word)])]
    found = catalog.resolve(word)
    if found is not None:
        return [found.id]
    close = catalog.suggestions(word, groups)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    known = ", ".join([*groups, *sorted(catalog.metrics)])
    raise QueryError(f"I don't know the metric {word!r}.{hint} Known metrics: {known}.")


def resolve_team(runtime: Runtime, slug: str) -> str:
    """The team's slug (bot.core.teams, as Slack resolves it); QueryError with the closest
    slugs otherwise."""
    from bot.core.teams import UnknownTeam, resolve_team

    try:
        return resolve_team(runtime.config, slug).slug
    except UnknownTeam as exc:
        raise QueryError(str(exc).replace("`", "'")) from None


def answer_metrics(
    runtime: Runtime, metric: str, team: str, *, period: str, clock: str | None, as_of: datetime
) -> list[MetricValue]:
    """Compute a metric, or each metric of a group (`dora`, `health`), for one team, through
    the same answer core as `/metrics` (bot.core.views)."""
    from bot.core.views import compute_value

    metric_ids = resolve_metrics(metric)
    slug = resolve_team(runtime, team)
    window = parse_period(period, as_of)
    deps = answer_deps(runtime)
    return [
        compute_value(deps, slug, metric_id, window.start, window.end, as_of, clock=clock)
        for metric_id in metric_ids
    ]


def answer_deps(runtime: Runtime) -> AnswerContext:
    """What the answer core needs from the runtime (no Slack tokens: the CLI posts nothing)."""
    from bot.core.ports import default_analytics
    from bot.core.views import AnswerContext
    from bot.runtime.wiring import org_context

    return AnswerContext(
        config=runtime.config,
        engine=runtime.engine,
        analytics=default_analytics(),
        org=org_context(runtime.config, runtime.pseudonym_secret),
    )


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return "no value"
    if unit in ("share", "fraction", "ratio"):
        return f"{value:.1%}"
    if unit == "hours" and value >= 48:
        return f"{value / 24:.1f} days"
    return f"{value:,.1f} {unit}".rstrip()


def render_text(value: MetricValue) -> str:
    """A terminal answer: the number, its spread, trend, baseline, and how it was computed."""
    from analytics.noise import TEST_TEXT
    from bot.slack.values import excluded_text, reading_words

    start = f"{value.period_start:%Y-%m-%d}"
    end = f"{value.period_end:%Y-%m-%d %H:%M} UTC"
    lines = [f"{value.metric} for {value.team}, {start} to {end}"]
    if value.withheld_reason:
        lines.append(f"  withheld: {value.withheld_reason}")
    elif value.value is None:
        lines.append(f"  no value (n = {value.n}): " + ("; ".join(value.notes) or "no data"))
    else:
        spread = ""
        if value.p75 is not None and value.p90 is not None:
            spread = (
                f" (p75 {_amount(value.p75, value.unit)}, p90 {_amount(value.p90, value.unit)})"
            )
        lines.append(f"  {_amount(value.value, value.unit)}{spread}, n = {value.n}")
    if value.baseline is not None:
        lines.append(f"  baseline {_amount(value.baseline, value.unit)} ({value.baseline_window})")
    if value.trend is not None:
        t = value.trend
        usual = (t.usual_low, t.usual_high, t.weeks)
        words = reading_words(t.direction, t.relative_change, usual, value.unit, t.up_is_good)
        lines.append(f"  trend: {words}")
        lines.append(f"  trend test: {TEST_TEXT}")
    if value.tier:
        lines.append(f"  DORA tier (context, not a target): {value.tier}")
    lines.append(f"  definition: {value.definition}")
    if value.window:
        lines.append(f"  window: {value.window}")
    if value.clock:
        lines.append(f"  clock: {value.clock}")
    if value.exclusions:
        lines.append(f"  excluded: {excluded_text(value.exclusions.items())}")
    if value.ownership:
        lines.append(f"  ownership: {value.ownership}")
    if value.link_methods:
        links = ", ".join(f"{k} {v}" for k, v in sorted(value.link_methods.items()))
        lines.append(f"  PR-to-deployment links: {links}")
    for note in value.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)


def list_insights(
    runtime: Runtime, *, team: str | None, week: str | None, as_of: datetime
) -> list[Insight]:
    """Insights for one team or all, for an ISO week (default: the last full week)."""
    from analytics.insights import detect_all
    from bot.runtime.wiring import org_context

    slugs = [resolve_team(runtime, team)] if team else [t.slug for t in runtime.config.teams]
    week = None if week is None else parse_week(week)
    org = org_context(runtime.config, runtime.pseudonym_secret)
    return list(detect_all(runtime.engine, org, teams=slugs, week=week, as_of=as_of))
