"""`app_home_opened`: publish the viewer's Home tab (their teams, flags, votes waiting, what
feedback kept out of their teams' digests)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.core.views import withheld_for_team
from bot.slack import feedback, snoozes
from bot.slack.blocks.home import HomeTeam, home_view
from bot.slack.blocks.home_feedback import feedback_section
from bot.slack.deps import BotDeps
from bot.slack.errors import message_for
from bot.slack.limits import MAX_HOME_BLOCKS, ensure_blocks
from bot.slack.pool import AnswerPool

log = logging.getLogger("metrics_bot.slack")


def build_home(deps: BotDeps, user_id: str) -> dict[str, Any]:
    """The Home view for `user_id` (reads the store; the layout is the pure `home_view`)."""
    led = deps.teams_led_by(user_id)
    teams = [
        HomeTeam(t.slug, t.name, t.slack_channel, True, tuple(withheld_for_team(deps, t.slug)))
        for t in led
    ]
    latest = {t.slug: feedback.latest_insights(deps.sessions, t.slug, 3) for t in led}
    awaiting = feedback.awaiting_vote(deps.sessions, teams=[t.slug for t in led], voter=user_id)
    slugs = [t.slug for t in led]
    hidden = [row for slug in slugs for row in feedback.hidden_lately(deps.sessions, slug)]
    kept_out = feedback_section(
        hidden, snoozes.active(deps.sessions, slugs, deps.now()), {t.slug: t.tz for t in led}
    )
    view = home_view(teams, latest, awaiting, [t.slug for t in deps.config.teams], kept_out)
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
