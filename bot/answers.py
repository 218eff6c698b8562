"""Answers to "what is metric M for team T over period P": one engine for CLI and Slack.

Both `metrics-bot query` and `/metrics <metric> <team>` come through here, so the numbers a
lead sees in Slack are exactly the ones an admin can check from the terminal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analytics.insights.model import Insight
    from bot.runtime import Runtime

_RELATIVE = re.compile(r"^(\d{1,3})([dw])$")
MAX_PERIOD = timedelta(days=2 * 366)


class QueryError(Exception):
    """A question that cannot be answered as asked; the message says how to ask it."""


@dataclass(frozen=True)
class Period:
    """A half-open window [start, end) in UTC."""

    start: datetime
    end: datetime


def parse_period(text: str, as_of: datetime) -> Period:
    """'4w', '30d', or 'YYYY-MM-DD..YYYY-MM-DD' (inclusive dates, UTC) ending at `as_of`."""
    text = text.strip().lower()
    match = _RELATIVE.match(text)
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        length = timedelta(weeks=amount) if unit == "w" else timedelta(days=amount)
        if amount == 0 or length > MAX_PERIOD:
            raise QueryError(f"period {text!r}: choose between 1d and 104w")
        return Period(as_of - length, as_of)
    if ".." in text:
        first, _, last = text.partition("..")
        try:
            start = datetime.combine(date.fromisoformat(first), time(), UTC)
            end = datetime.combine(date.fromisoformat(last), time(), UTC) + timedelta(days=1)
        except ValueError:
            raise QueryError(f"period {text!r}: dates are YYYY-MM-DD..YYYY-MM-DD") from None
        if end <= start:
            raise QueryError(f"period {text!r}: the start must come before the end")
        if end - start > MAX_PERIOD:
            raise QueryError(f"period {text!r}: at most two years at a time")
        return Period(start, end)
    raise QueryError(f"period {text!r}: use 4w, 30d or YYYY-MM-DD..YYYY-MM-DD")


def resolve_metric(name: str) -> str:
    """The metric id for a name or alias; QueryError with the closest names otherwise."""
    from analytics.engine import METRICS
    from analytics.registry import resolve

    try:
        return resolve(name).id
    except KeyError as exc:
        known = ", ".join(sorted(METRICS))
        raise QueryError(f"{str(exc.args[0]).rstrip('.')} Known metrics: {known}") from None


def resolve_team(runtime: Runtime, slug: str) -> str:
    """The team's slug; QueryError with the closest slugs otherwise."""
    from analytics.names import suggest

    slugs = [t.slug for t in runtime.config.teams]
    if slug in slugs:
        return slug
    hint = suggest(slug.lower(), slugs)
    did_you_mean = f" Did you mean {hint!r}?" if hint else ""
    raise QueryError(f"unknown team {slug!r}.{did_you_mean} Teams: {', '.join(slugs)}")


def answer_metric(
    runtime: Runtime, metric: str, team: str, *, period: str, clock: str, as_of: datetime
) -> Any:
    """Compute one metric for one team; returns analytics' MetricValue."""
    from analytics.engine import compute_metric
    from bot.wiring import org_context

    metric_id = resolve_metric(metric)
    slug = resolve_team(runtime, team)
    window = parse_period(period, as_of)
    org = org_context(runtime.config, runtime.pseudonym_secret)
    return compute_metric(
        engine=runtime.engine,
        org=org,
        team=slug,
        metric=metric_id,
        start=window.start,
        end=window.end,
        as_of=as_of,
        clock=clock,
    )


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return "no value"
    if unit in ("share", "fraction", "ratio"):
        return f"{value:.1%}"
    if unit == "hours" and value >= 48:
        return f"{value / 24:.1f} days"
    return f"{value:,.1f} {unit}".rstrip()


def render_text(value: Any) -> str:
    """A terminal answer: the number, its spread, trend, baseline, and how it was computed."""
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
        trend = ""
        if value.trend is not None:
            data = value.trend.to_json()
            change = data.get("relative_change")
            trend = f", {data.get('direction', '')} {change:+.0%}" if change is not None else ""
        lines.append(
            f"  baseline {_amount(value.baseline, value.unit)} ({value.baseline_window}){trend}"
        )
    if value.tier:
        lines.append(f"  DORA tier (context, not a target): {value.tier}")
    lines.append(f"  definition: {value.definition}")
    if value.clock:
        lines.append(f"  clock: {value.clock}")
    if value.exclusions:
        excluded = ", ".join(f"{k} {v}" for k, v in sorted(value.exclusions.items()))
        lines.append(f"  excluded: {excluded}")
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
    from bot.wiring import org_context

    slugs = [resolve_team(runtime, team)] if team else [t.slug for t in runtime.config.teams]
    if week is not None and not re.fullmatch(r"\d{4}-W\d{2}", week):
        raise QueryError(f"week {week!r}: use an ISO week such as 2026-W47")
    org = org_context(runtime.config, runtime.pseudonym_secret)
    return list(detect_all(runtime.engine, org, teams=slugs, week=week, as_of=as_of))
