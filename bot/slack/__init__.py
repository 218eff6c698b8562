"""The Slack side of metrics-bot: the Bolt app, its listeners and Block Kit builders.

Public API: `build_app(deps)`, `BotDeps`, `Analytics`, `IngestJob`, `default_analytics()`.
`build_app` is imported on first use: the app pulls in every listener, and the listeners
use the digest package, which itself uses this package's builders.
"""

from typing import Any

from bot.slack.deps import Analytics, BotDeps, IngestJob, default_analytics

__all__ = ["Analytics", "BotDeps", "IngestJob", "build_app", "default_analytics"]


def __getattr__(name: str) -> Any:
    if name == "build_app":
        from bot.slack.app import build_app

        return build_app
    raise AttributeError(name)
