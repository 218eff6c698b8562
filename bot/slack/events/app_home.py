"""`app_home_opened`: publish the viewer's Home tab by role (bot/slack/home_roles.py): their
teams as a member or a lead (figures, goals, flags), a lead's votes waiting and what feedback
kept out of their teams' digests, a leader's org view, and what the bot collects."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.about import about
from bot.config import TeamConfig
from bot.core.views import withheld_for_team
from bot.slack import feedback, snoozes
from bot.slack.blocks.about import about_blocks
from bot.slack.blocks.common import Block
from bot.slack.blocks.home import HomeTeam, OrgRow, home_view, org_blocks
from bot.slack.blocks.home_feedback import feedback_section
from bot.slack.deps import BotDeps
from bot.slack.errors import message_for
from bot.slack.home_roles import is_leader, member_teams, team_figures
from bot.slack.limits import MAX_HOME_BLOCKS, ensure_blocks
from bot.slack.pool import AnswerPool

log = logging.getLogger("metrics_bot.slack")


def _home_team(deps: BotDeps, team: TeamConfig, lead: bool) -> HomeTeam:
    figures = team_figures(deps, team)
    goals = tuple(g.line() for g in figures.goals)
    withheld = tuple(withheld_for_team(deps, team.slug))
    return HomeTeam(
        team.slug,
        team.name,
        team.slack_channel,
        lead,
        withheld=withheld,
        figures=figures.dora_line(),
        goals=goals,
    )


ORG_FIGURES = 25
"""Teams whose figures a leader's Home computes when it opens (each is four engine answers);
the rest are listed with what was flagged, and `/metrics compare` has any figure."""


def _org(deps: BotDeps) -> list[Block]:
    rows = []
    for i, team in enumerate(deps.config.teams):
        shown = team_figures(deps, team, goals=False).dora_line() if i < ORG_FIGURES else ""
        flagged = len(feedback.latest_insights(deps.sessions, team.slug, 5))
        rows.append(OrgRow(team.name, shown or "`/metrics dora` for its figures", flagged))
    return org_blocks(rows)


def build_home(deps: BotDeps, user_id: str) -> dict[str, Any]:
    """The Home view for `user_id` (reads the store; the layout is the pure `home_view`)."""
    led = deps.teams_led_by(user_id)
    member = [t for t in member_teams(deps, user_id) if t not in led]
    teams = [_home_team(deps, t, True) for t in led] + [_home_team(deps, t, False) for t in member]
    latest = {t.slug: feedback.latest_insights(deps.sessions, t.slug, 3) for t in [*led, *member]}
    awaiting = feedback.awaiting_vote(deps.sessions, teams=[t.slug for t in led], voter=user_id)
    slugs = [t.slug for t in led]
    hidden = [row for slug in slugs for row in feedback.hidden_lately(deps.sessions, slug)]
    kept_out = feedback_section(
        hidden, snoozes.active(deps.sessions, slugs, deps.now()), {t.slug: t.tz for t in led}
    )
    org = _org(deps) if is_leader(deps, user_id) else []
    view = home_view(
        teams,
        latest,
        awaiting,
        [t.slug for t in deps.config.teams],
        kept_out,
        org=org,
        about=about_blocks(about(deps.config)),
    )
    ensure_blocks(view["blocks"], max_blocks=MAX_HOME_BLOCKS)
    return view


def register(app: App, deps: BotDeps, answers: AnswerPool) -> None:
    """Wire the Home tab into `app` (acked at once; published from the answer pool)."""

    @app.event("app_home_opened")
    def publish_home(event: dict[str, Any], client: Any) -> None:
        if event.get("tab") not in (None, "home"):
            return
        user = event["user"]

        def publish() -> None:
            try:
                client.views_publish(user_id=user, view=build_home(deps, user))
            except Exception as exc:
                message_for(exc)  # logs it, redacted; there is no one to tell

        if not answers.offer(publish):
            log.warning("busy: the Home tab was not refreshed (it is, next time it is opened)")
