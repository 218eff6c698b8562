""" "Try as an experiment" on an insight: a modal prefilled from it, and its submission.

The click opens the modal at once (a trigger_id lasts three seconds). On submission the
cheap checks run before the ack, so a bad field is shown on the field (an unknown metric, a
length, a start in the future); the rest (controls, the team's history, the minimum
detectable effect) runs after the ack, and the plan, or why it could not start, reaches
the person as an ephemeral message in the channel the insight was in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App

from bot.core import experiment_checks as checks
from bot.core import experiments
from bot.core.experiment_text import plan_lines
from bot.core.teams import resolve_team
from bot.core.views import catalog_of
from bot.slack.actions.picks import _field
from bot.slack.blocks.experiment_modal import (
    START_VIEW,
    TRY,
    Proposal,
    Submitted,
    read_start,
    start_modal,
)
from bot.slack.blocks.manage import lines_answer
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError, guarded, message_for, tell
from bot.slack.pool import BUSY, AnswerPool


def testable_metrics(deps: BotDeps) -> list[tuple[str, str]]:
    """(name, label) of every metric an experiment can test, for the modal's menu."""
    catalog = catalog_of(deps)
    return [
        (info.name, info.label)
        for info in catalog.metrics.values()
        if deps.analytics.metrics[info.id].kind not in checks.NOT_TESTABLE
    ]


def open_modal(deps: BotDeps, body: dict[str, Any], client: Any) -> None:
    """Open the prefilled modal for the clicked insight."""
    actions = body.get("actions")
    action = actions[0] if isinstance(actions, list) and actions else {}
    try:
        proposal = Proposal.decode(str(action.get("value") or ""))
    except Exception:
        raise UserError("That button is broken (its value could not be read).") from None
    team = resolve_team(deps.config, proposal.team)
    trigger = body.get("trigger_id")
    if not isinstance(trigger, str) or not trigger:
        raise UserError("That click came without a trigger, so no form could be opened.")
    channel = _field(body, "channel", "id") or _field(body, "container", "channel_id") or ""
    today = deps.now().astimezone(ZoneInfo(team.tz)).date()
    view = start_modal(
        proposal, testable_metrics(deps), today=today, channel=str(channel), team_name=team.name
    )
    client.views_open(trigger_id=trigger, view=view)


def field_errors(deps: BotDeps, sub: Submitted, now: datetime) -> dict[str, str]:
    """Errors Slack shows on the modal's fields: the checks that need no data."""
    errors: dict[str, str] = {}
    for block, check in (
        ("metric", lambda: checks.metric_for(deps, sub.metric)),
        ("weeks", lambda: checks.check_weeks(sub.weeks)),
        ("name", lambda: checks.clean_name(sub.name)),
        ("start", lambda: checks.start_day(sub.start, resolve_team(deps.config, sub.team).tz, now)),
    ):
        try:
            check()
        except UserError as err:
            errors[block] = str(err).replace("`", "")[:150]
    return errors


def start_from(deps: BotDeps, sub: Submitted, user: str, client: Any) -> None:
    """Start the submitted experiment and tell the person how it went, in the channel."""
    request = experiments.StartRequest(
        team=sub.team,
        name=sub.name,
        metric=sub.metric,
        weeks=sub.weeks,
        start=sub.start,
        hypothesis=sub.hypothesis,
        insight_id=sub.insight_id,
    )
    try:
        rendered = lines_answer(plan_lines(experiments.start(deps, request, by=user)))
        client.chat_postEphemeral(
            channel=sub.channel, user=user, text=rendered.text, blocks=rendered.blocks
        )
    except Exception as exc:
        client.chat_postEphemeral(channel=sub.channel, user=user, text=message_for(exc))


def register(app: App, deps: BotDeps, answers: AnswerPool) -> None:
    """Wire the button and the modal's submission into `app`."""

    def ack_try(ack: Ack, body: dict[str, Any], respond: Any, client: Any) -> None:
        ack()
        work = guarded(lambda: open_modal(deps, body, client), body, respond, client)
        if not answers.offer(work):
            tell(BUSY, body, respond, client)

    def ack_view(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: Any) -> None:
        user = str(_field(body, "user", "id") or "")
        try:
            sub = read_start(view)
            errors = field_errors(deps, sub, deps.now())
        except Exception:
            ack(response_action="errors", errors={"name": "This form could not be read."})
            return
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        if sub.channel and not answers.offer(lambda: start_from(deps, sub, user, client)):
            client.chat_postEphemeral(channel=sub.channel, user=user, text=BUSY)

    app.action(TRY)(ack_try)
    app.view(START_VIEW)(ack_view)
