"""Build the bot's dependencies from a Runtime: the one place tokens are resolved for Slack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.runtime.state import Runtime

if TYPE_CHECKING:
    from bot.slack.deps import BotDeps


def bot_deps(runtime: Runtime, *, need_slack: bool = True) -> BotDeps:
    """BotDeps for `runtime`; with need_slack=False (previews) Slack tokens may be missing."""
    from bot.runtime.wiring import org_context
    from bot.slack.deps import BotDeps, default_analytics

    slack = runtime.config.slack
    bot_token = runtime.secret("the Slack bot token", slack.bot_token, required=need_slack)
    signing = runtime.secret("the Slack signing secret", slack.signing_secret, required=need_slack)
    rewrite = runtime.config.report.rewrite
    rewrite_key = (
        runtime.secret("the report rewrite's API key", rewrite.api_key, required=False)
        if rewrite.enabled and rewrite.api_key is not None
        else None
    )
    return BotDeps(
        config=runtime.config,
        engine=runtime.engine,
        sessions=runtime.sessions,
        analytics=default_analytics(),
        org=org_context(runtime.config, runtime.pseudonym_secret),
        bot_token=bot_token or "",
        signing_secret=signing or "",
        api_url=runtime.environ.get("SLACK_API_URL") or slack.api_url,
        rewrite_key=rewrite_key,
    )
