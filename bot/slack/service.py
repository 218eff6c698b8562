"""Answer a parsed `/metrics` Command: call the analytics engine, build the blocks.

This is the slow part that runs after the ack. Each verb is one small function; they share
the window arithmetic (a trailing period ending now); teams and views come from bot.core.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.about import about
from bot.config import TeamConfig
from bot.core.forecast import forecast_target, forecast_team
from bot.core.forecast_text import forecast_rendered, team_rendered
from bot.core.teams import resolve_team
from bot.core.views import catalog_of, compute_view, flagged_insights
from bot.core.why import explain
from bot.digest.build import build_digest
from bot.digest.render import render_digest
from bot.digest.weeks import current_week, last_full_week
from bot.goals.answers import list_answer, preview_answer, remove_answer
from bot.slack.blocks.about import about_answer
from bot.slack.blocks.answers import (
    Rendered,
    compare_answer,
    group_answer,
    help_answer,
    insights_answer,
    metric_answer,
    status_answer,
)
from bot.slack.blocks.why import why_answer
from bot.slack.catalog import DORA, HEALTH
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError
from bot.slack.grammar import Command
from store.models import SyncRun


def window(deps: BotDeps, cmd: Command) -> tuple[datetime, datetime]:
    end = deps.now()
    return end - timedelta(days=cmd.period.days), end


def answer(deps: BotDeps, cmd: Command) -> Rendered:
    """The message for `cmd` (slow: may compute metrics over the team's history)."""
    catalog = catalog_of(deps)
    teams = [t.slug for t in deps.config.teams]
    if cmd.verb == "help":
        return help_answer(catalog, teams)
    if cmd.verb == "status":
        return status(deps)
    if cmd.verb == "about":
        return about_answer(about(deps.config))
    if cmd.verb == "forecast":
        return forecast_answer(deps, cmd)
    team = resolve_team(deps.config, cmd.team)
    if cmd.verb == "goal":
        return goal_answer(deps, cmd, team)
    if cmd.verb == "why":
        return why_answer(explain(deps, team, cmd.text, deps.now()))
    start, end = window(deps, cmd)
    if cmd.verb == "metric":
        assert cmd.metric is not None
        view = compute_view(deps, team.slug, cmd.metric, start, end, end)
        return metric_answer(team.name, view, cmd.period.label, start, end)
    if cmd.verb in ("dora", "health"):
        names = DORA if cmd.verb == "dora" else HEALTH
        views = [
            compute_view(deps, team.slug, info, start, end, end) for info in catalog.group(names)
        ]
        title = "DORA" if cmd.verb == "dora" else "Team health"
        return group_answer(title, team.name, views, cmd.period.label, start, end)
    if cmd.verb == "compare":
        assert cmd.metric is not None
        rows = [
            (t.slug, compute_view(deps, t.slug, cmd.metric, start, end, end))
            for t in deps.config.teams
        ]
        rows.sort(key=lambda r: (r[0] != team.slug, r[0]))
        return compare_answer(cmd.metric.label, team.slug, rows, cmd.period.label)
    if cmd.verb == "bottlenecks":
        week = current_week(end, team.tz)
        found = flagged_insights(deps, team, week, end, limit=5)
        if not found:
            week = last_full_week(end, team.tz)
            found = flagged_insights(deps, team, week, end, limit=5)
        return insights_answer(team.name, found, week)
    if cmd.verb == "digest":
        week = last_full_week(end, team.tz)
        return render_digest(build_digest(deps, team, week, charts=False), interactive=False)
    raise UserError("I can't answer that yet.")  # pragma: no cover - the grammar is closed


def forecast_answer(deps: BotDeps, cmd: Command) -> Rendered:
    """`/metrics forecast`: one target by key, or a team's open ones (bot/core/forecast.py)."""
    if cmd.action == "target":
        return forecast_rendered(forecast_target(deps, cmd.text, deps.now()))
    return team_rendered(forecast_team(deps, cmd.team or "", deps.now()))


def goal_answer(deps: BotDeps, cmd: Command, team: TeamConfig) -> Rendered:
    """`/metrics goal`: list, preview before saving, or remove (bot/goals/answers.py)."""
    if cmd.action == "preview":
        return preview_answer(deps, team, cmd.text)
    if cmd.action == "remove":
        return remove_answer(deps, team, cmd.text, cmd.user)
    return list_answer(deps, team)


def status(deps: BotDeps) -> Rendered:
    """The last sync of each source."""
    latest = (
        select(SyncRun.source, func.max(SyncRun.id).label("id")).group_by(SyncRun.source).subquery()
    )
    stmt = select(SyncRun).join(latest, SyncRun.id == latest.c.id).order_by(SyncRun.source)
    with deps.sessions() as s:
        rows = list(s.scalars(stmt))
    return status_answer(rows, deps.now())
