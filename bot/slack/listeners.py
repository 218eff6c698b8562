"""Every listener, registered in one place (slack-bolt's starter layout)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.actions import experiments as experiment_actions
from bot.slack.actions import feedback as feedback_actions
from bot.slack.actions import goals as goal_actions
from bot.slack.actions import method as method_actions
from bot.slack.actions import pulse as pulse_actions
from bot.slack.actions import reasons as reason_actions
from bot.slack.actions import snooze as snooze_actions
from bot.slack.commands import metrics as metrics_command
from bot.slack.deps import BotDeps
from bot.slack.events import app_home
from bot.slack.pool import AnswerPool


def register_listeners(app: App, deps: BotDeps, answers: AnswerPool) -> None:
    """Each listener acks in the request thread and offers slow work to `answers`."""
    metrics_command.register(app, deps, answers)
    feedback_actions.register(app, deps, answers)
    method_actions.register(app, deps, answers)
    reason_actions.register(app, deps, answers)
    snooze_actions.register(app, deps, answers)
    experiment_actions.register(app, deps, answers)
    pulse_actions.register(app, deps, answers)
    goal_actions.register(app, deps, answers)
    app_home.register(app, deps, answers)
