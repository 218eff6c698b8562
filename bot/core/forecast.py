"""One answer for delivery forecasts: `metrics-bot forecast`, `/metrics forecast` and the
digest's flag all come through here, so they agree.

A target is looked up in the store by its key (`DeliveryTarget.key`, case forgiven) or its name
(Linear's keys are ids), and belongs to the team
that owns it, else to the team whose Jira projects / Linear teams its items live in. The
forecast is analytics.forecast's, made from the team's tracker history as of now; the
target's in-progress items likely to stall come with it. What cannot be forecast is refused
with a UserError that says why (unknown key, no items, too little history, finished).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from analytics.arrays import NAT
from analytics.forecast import (
    Forecast,
    ForecastError,
    TrackerData,
    forecast,
    load_tracker,
    target_keys,
    target_keys_named,
    target_owner,
)
from analytics.forecast.data import members
from analytics.forecast.forecast import ns_of
from analytics.forecast.stall_fit import ItemStall, item_stall
from analytics.persons import team_withheld
from bot.config import AppConfig, TeamConfig
from bot.core.teams import resolve_team
from bot.core.views import AnswerDeps
from bot.slack.catalog import closest
from bot.slack.errors import UserError
from bot.slack.text import did_you_mean, echo


def check_privacy(deps: AnswerDeps, team: TeamConfig) -> None:
    """A forecast is a figure of the team's work: withheld, saying why, for a team of fewer
    than MIN_WORK_PEOPLE persons (analytics.persons, the one rule)."""
    reason = team_withheld("work", deps.org.team(team.slug))
    if reason is not None:
        raise UserError(f"Forecasts for {echo(team.name)} are withheld: {reason}.")


@dataclass(frozen=True)
class ForecastAnswer:
    """A forecast as the bot shows it: with the team's threshold and the stalling items."""

    forecast: Forecast
    team: TeamConfig
    stall: ItemStall | None = None

    @property
    def threshold(self) -> float:
        return self.team.forecast_risk_below

    @property
    def at_risk(self) -> bool:
        p = self.forecast.probability
        return p is not None and p < self.threshold

    def to_json(self) -> dict[str, Any]:
        out = self.forecast.to_json()
        out["team"] = self.team.slug
        out["risk_threshold"] = self.threshold
        out["at_risk"] = self.at_risk
        if self.stall is not None:
            out["items_stalled"] = list(self.stall.stalled)
            out["items_likely_to_stall"] = list(self.stall.at_risk)
            out["stall_model"] = self.stall.report
        return out


@dataclass(frozen=True)
class TeamForecasts:
    """A team's open targets: those forecast, and those that could not be, with why."""

    team: TeamConfig
    answers: tuple[ForecastAnswer, ...]
    skipped: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "team": self.team.slug,
            "targets": [a.to_json() for a in self.answers],
            "not_forecast": [{"key": k, "reason": r} for k, r in self.skipped],
        }


def _projects(team: TeamConfig) -> list[str]:
    return [*team.jira_projects, *team.linear_teams]


def owner_of(config: AppConfig, owner: str | None, projects: list[str]) -> TeamConfig | None:
    """The team that owns a target: by its slug, else by its items' projects."""
    by_slug = {t.slug: t for t in config.teams}
    if owner in by_slug:
        return by_slug[owner]
    for team in config.teams:
        if set(_projects(team)) & set(projects):
            return team
    return None


def _lookup(deps: AnswerDeps, word: str) -> tuple[str, TeamConfig]:
    """The target asked for, by its key or (Linear's ids being unreadable) its name."""
    named = target_keys_named(deps.engine, word)
    if len(named) > 1:
        raise UserError(
            f"{len(named)} epics or projects are called `{echo(word)}`: ask for one by its "
            f"key ({', '.join(f'`{echo(k)}`' for k in named[:5])})."
        )
    for key in dict.fromkeys((word, word.upper(), *named)):
        found = target_owner(deps.engine, key)
        if found is not None:
            team = owner_of(deps.config, *found)
            if team is None:
                raise UserError(f"`{echo(key)}` belongs to no configured team.")
            return key, team
    close = closest(word.upper(), target_keys(deps.engine), cutoff=0.7)
    raise UserError(
        f"I don't know the epic or project `{echo(word)}`.{did_you_mean(close)} "
        "Ask by its key as in Jira or Linear (e.g. `PAY-12`) or by its name; "
        "`forecast --team <team>` lists a team's open ones."
    )


def _stall(data: TrackerData, at: int, keys: set[str]) -> ItemStall | None:
    if not keys:
        return None
    return item_stall(data, at, keys)


def forecast_target(deps: AnswerDeps, word: str, now: datetime) -> ForecastAnswer:
    """The forecast for the target `word` names (UserError when there is none to give)."""
    key, team = _lookup(deps, word.strip())
    check_privacy(deps, team)
    data = load_tracker(deps.engine, team.slug, _projects(team), team.tz)
    try:
        made = forecast(data, key, now)
    except ForecastError as err:
        raise UserError(str(err)) from None
    keys = set(data.items.loc[members(data.items, key), "key"])
    return ForecastAnswer(made, team, _stall(data, ns_of(now), keys))


def open_targets(data: TrackerData, at: int) -> list[str]:
    """The team's targets open at `at` (created before it, not resolved by it), oldest
    first: a past week's digest or `--as-of` sees what was open then."""
    resolved = data.targets["resolved"].to_numpy(dtype=np.int64)
    created = data.targets["created"].to_numpy(dtype=np.int64)
    live = ((resolved == NAT) | (resolved >= at)) & ((created == NAT) | (created < at))
    t = data.targets[live]
    return [str(k) for k in t.sort_values(["created", "key"])["key"]]


def forecast_team(
    deps: AnswerDeps, team_word: str | TeamConfig, now: datetime, *, stall: bool = True
) -> TeamForecasts:
    """Every open target of a team, forecast, and those that could not be with the reason."""
    team = resolve_team(deps.config, team_word)
    check_privacy(deps, team)
    data = load_tracker(deps.engine, team.slug, _projects(team), team.tz)
    at = ns_of(now)
    keys = open_targets(data, at)
    stalls = _stall(data, at, set(data.items["key"])) if stall and keys else None
    answers, skipped = [], []
    for key in keys:
        try:
            made = forecast(data, key, now)
        except ForecastError as err:
            skipped.append((key, str(err)))
            continue
        answers.append(ForecastAnswer(made, team, _only(stalls, data, key)))
    return TeamForecasts(team, tuple(answers), tuple(skipped))


def _only(stall: ItemStall | None, data: TrackerData, key: str) -> ItemStall | None:
    """The team-wide stall scores narrowed to one target's items."""
    if stall is None:
        return None
    mine = set(data.items.loc[members(data.items, key), "key"])
    return ItemStall(
        tuple(k for k in stall.at_risk if k in mine),
        tuple(k for k in stall.stalled if k in mine),
        stall.report,
    )


def risky_targets(deps: AnswerDeps, team: TeamConfig, now: datetime) -> list[ForecastAnswer]:
    """The team's targets whose chance of meeting their date is below its threshold (for
    the digest: without the stall model, which `forecast <key>` adds; none for a team under
    the privacy floor)."""
    if team_withheld("work", deps.org.team(team.slug)) is not None:
        return []
    return [a for a in forecast_team(deps, team, now, stall=False).answers if a.at_risk]
