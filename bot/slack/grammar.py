"""The `/metrics` grammar: what a person typed -> one Command value, or a UserError saying why.

    /metrics help
    /metrics <metric> [team] [period] [share]      e.g. review-time team-b 4w
    /metrics dora|health|bottlenecks [team] [period] [share]
    /metrics compare <metric> [team] [period] [share]
    /metrics digest [team]                          a private preview of this week's digest
    /metrics goal [team] [<goal> | remove N]        goals: list, preview before saving, remove
    /metrics about                                  what the bot collects, and who sees what
    /metrics forecast <key or name> | [team]        delivery-risk forecasts
    /metrics why <metric> [team]                    the likely cause of a flagged delay
    /metrics status

Words may come in any order after the verb; the team defaults to the channel's team; a
period is `7d`, `4w`, `week`, `month` or `quarter` (default 4 weeks). Parsing is pure and
fast, so it runs before the ack and bad input is answered at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from bot.core.teams import resolve_slug
from bot.core.why import why_metric
from bot.slack.catalog import Catalog, MetricInfo, norm
from bot.slack.errors import UserError
from bot.slack.text import did_you_mean, echo, listed

Verb = Literal[
    "help",
    "metric",
    "dora",
    "health",
    "bottlenecks",
    "compare",
    "digest",
    "status",
    "goal",
    "about",
    "forecast",
    "why",
]
VERBS: tuple[str, ...] = tuple(v for v in get_args(Verb) if v != "metric")
"""The words a command may start with (a metric name is the other way to start one)."""
GOAL_VERBS = ("goal", "goals")
DEFAULT_DAYS = 28
MAX_DAYS = 366
USAGE = (
    "Usage: `/metrics <metric> [team] [period]`, `/metrics dora [team]`, "
    "`/metrics help` for everything."
)
MAX_TEXT = 1000
"""Command text longer than this is refused before parsing: no `/metrics` request needs more
than a few words, and everything after this point is bounded by it."""
_PERIOD = re.compile(r"^(\d{1,3})(d|w)$")
_NAMED_PERIODS = {"week": 7, "month": 30, "quarter": 91, "year": 365}


@dataclass(frozen=True)
class Period:
    """A trailing window ending now (the answer says which)."""

    days: int
    label: str


DEFAULT_PERIOD = Period(DEFAULT_DAYS, "last 4 weeks")


@dataclass(frozen=True)
class Command:
    """One parsed `/metrics` request."""

    verb: Verb
    team: str | None = None
    metric: MetricInfo | None = None
    period: Period = DEFAULT_PERIOD
    share: bool = False
    action: str = ""
    """`goal`: "list", "preview" (of `text`) or "remove" (goal number `text`); `forecast`:
    "target" (the key in `text`) or "team" (the team's open targets)."""
    text: str = ""
    user: str = ""
    """Who typed it (Slack user id), when the answer depends on it (saving a goal)."""


def parse_period(word: str) -> Period | None:
    """'7d', '4w', 'week', 'month', 'quarter' -> Period; None if `word` is not a period."""
    word = word.lower()
    if word in _NAMED_PERIODS:
        return Period(_NAMED_PERIODS[word], f"last {word}")
    match = _PERIOD.match(word)
    if not match:
        return None
    amount, unit = int(match.group(1)), match.group(2)
    days = amount * (7 if unit == "w" else 1)
    if not 1 <= days <= MAX_DAYS:
        raise UserError(
            f"A period runs from 1 day to a year (`7d`, `4w`, `quarter`), not `{echo(word)}`."
        )
    plural = "s" if amount != 1 else ""
    return Period(days, f"last {amount} {'week' if unit == 'w' else 'day'}{plural}")


def parse(
    text: str,
    *,
    catalog: Catalog,
    teams: Sequence[str],
    channel_team: str | None,
) -> Command:
    """Parse `text`; raise UserError with a "did you mean" or the usage line when it fails."""
    if len(text) > MAX_TEXT:
        raise UserError(
            f"That is {len(text):,} characters; `/metrics` takes a few words "
            f"(at most {MAX_TEXT:,} characters). {USAGE}"
        )
    words = [w for w in re.split(r"\s+", text.strip()) if w]
    share = any(w.lower() == "share" for w in words)
    words = [w for w in words if w.lower() != "share"]
    if not words or words[0].lower() in ("help", "-h", "--help", "?"):
        return Command("help", share=share)
    head, rest = norm(words[0]), words[1:]
    if head in ("status", "about"):
        return Command(head, share=share)  # type: ignore[arg-type]
    special = _SPECIAL.get(head)
    if special is not None:
        return special(rest, teams, channel_team, share)
    metric: MetricInfo | None = None
    verb: Verb
    if head in VERBS:
        verb = head  # type: ignore[assignment]
        if verb == "compare":
            if not rest:
                raise UserError("Compare which metric? e.g. `/metrics compare review-time team-a`.")
            metric = _metric(rest[0], catalog)
            rest = rest[1:]
    else:
        found = catalog.resolve(head)
        if found is None:
            close = catalog.suggestions(head, VERBS)
            if close:
                raise UserError(f"I don't know the metric `{echo(words[0])}`.{did_you_mean(close)}")
            raise UserError(USAGE)
        verb, metric = "metric", found
    team, period = _team_and_period(rest, teams)
    if team is None:
        team = channel_team
    if team is None:
        raise UserError(
            "Which team? This channel belongs to no team, so name one, e.g. "
            f"`/metrics {echo(words[0])} {echo(teams[0]) if teams else 'team-a'}`. "
            f"Teams: {listed(teams)}."
        )
    return Command(verb, team=team, metric=metric, period=period or DEFAULT_PERIOD, share=share)


def _goal(
    words: Sequence[str], teams: Sequence[str], channel_team: str | None, share: bool
) -> Command:
    """`goal [team]` lists, `goal [team] remove N` removes, `goal [team] <goal>` previews."""
    words = list(words)
    by_norm = {norm(t): t for t in teams}
    team = by_norm.get(norm(words[0])) if words else None
    if team is not None:
        words = words[1:]
    team = team or channel_team
    if team is None:
        raise UserError(
            "Which team's goals? This channel belongs to no team, so name one, e.g. "
            f"`/metrics goal {echo(teams[0]) if teams else 'team-a'} review-time < 1 working "
            f"day`. Teams: {listed(teams)}."
        )
    if not words:
        return Command("goal", team=team, share=share, action="list")
    if norm(words[0]) in ("remove", "delete", "drop") and len(words) == 2:
        return Command("goal", team=team, share=share, action="remove", text=words[1])
    return Command("goal", team=team, share=share, action="preview", text=" ".join(words))


def _why(
    words: Sequence[str], teams: Sequence[str], channel_team: str | None, share: bool
) -> Command:
    """`why <metric> [team]`: the metric (review-time, pickup, lead-time, cycle-time) in
    `text`; UnknownWhyMetric for anything else."""
    if not words:
        raise UserError(
            "Why what? e.g. `/metrics why review-time team-b` (review-time, pickup, lead-time "
            "or cycle-time)."
        )
    metric = why_metric(words[0])
    team, period = _team_and_period(words[1:], teams)
    if period is not None:
        raise UserError(
            "`why` looks at the last full week against the team's baseline; it takes no "
            "period. e.g. `/metrics why review-time team-b`."
        )
    team = team or channel_team
    if team is None:
        raise UserError(
            f"Which team? e.g. `/metrics why {echo(words[0])} "
            f"{echo(teams[0]) if teams else 'team-a'}`. Teams: {listed(teams)}."
        )
    return Command("why", team=team, share=share, text=metric)


def _forecast(
    words: Sequence[str], teams: Sequence[str], channel_team: str | None, share: bool
) -> Command:
    """`forecast <key or name>` forecasts one target (a name may have spaces: Linear's
    projects are known by name); `forecast [--team] [team]` lists a team's."""
    words = [w for w in words if w.lower() != "--team"]
    by_norm = {norm(t): t for t in teams}
    if len(words) > 1 or (words and norm(words[0]) not in by_norm):
        return Command("forecast", share=share, action="target", text=" ".join(words))
    team = by_norm[norm(words[0])] if words else channel_team
    if team is None:
        raise UserError(
            "Forecast what? Name an epic or project (`/metrics forecast PAY-12`) or a team "
            f"(`/metrics forecast {echo(teams[0]) if teams else 'team-a'}`). Teams: "
            f"{listed(teams)}."
        )
    return Command("forecast", team=team, share=share, action="team")


_SPECIAL: dict[str, Callable[[Sequence[str], Sequence[str], str | None, bool], Command]] = {
    **dict.fromkeys(GOAL_VERBS, _goal),
    "forecast": _forecast,
    "why": _why,
}
"""Verbs with a grammar of their own: (words after the verb, teams, channel team, share)."""


def _metric(word: str, catalog: Catalog) -> MetricInfo:
    found = catalog.resolve(word)
    if found is None:
        raise UserError(
            f"I don't know the metric `{echo(word)}`.{did_you_mean(catalog.suggestions(word))}"
        )
    return found


def _team_and_period(
    words: Sequence[str], teams: Sequence[str]
) -> tuple[str | None, Period | None]:
    team: str | None = None
    period: Period | None = None
    by_norm = {norm(t): t for t in teams}  # one lookup per word; unknown: bot.core.teams
    for word in words:
        maybe_period = parse_period(word)
        if maybe_period is not None:
            if period is not None:
                raise UserError(f"Give one period at most (`7d`, `4w`, `quarter`). {USAGE}")
            period = maybe_period
            continue
        slug = by_norm.get(norm(word)) or resolve_slug(word, teams)
        if team is not None and team != slug:
            raise UserError(f"Name one team at a time. {USAGE}")
        team = slug
    return team, period
