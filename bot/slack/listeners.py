"""Every listener, registered in one place (slack-bolt's starter layout)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.actions import feedback as feedback_actions
from bot.slack.actions import method as method_actions
from bot.slack.commands import metrics as metrics_command
from bot.slack.deps import BotDeps
from bot.slack.events import app_home


def register_listeners(app: App, deps: BotDeps) -> None:
    metrics_command.register(app, deps)
    feedback_actions.register(app, deps)
    method_actions.register(app, deps)
    app_home.register(app, deps)
