"""The Slack side of metrics-bot: the Bolt app (bot.slack.app), its listeners, Block Kit builders.

Nothing is imported here: each module is imported by its own name, so the layers inside
`bot/` (listeners -> service -> digest -> core -> blocks) hold without lazy imports.
"""
