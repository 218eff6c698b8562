"""The Slack side of metrics-bot: the Bolt app, its listeners and Block Kit builders.

Public API: `build_app(deps)`, `BotDeps`, `Analytics`, `IngestJob`, `default_analytics()`.
"""

from bot.slack.app import build_app
from bot.slack.deps import Analytics, BotDeps, IngestJob, default_analytics

__all__ = ["Analytics", "BotDeps", "IngestJob", "build_app", "default_analytics"]
