"""How much of a request to /slack/events is read before its signature is checked (the
reading itself is `bot.request_body.read_capped`, shared with the webhooks)."""

from __future__ import annotations

MAX_SLACK_BODY = 1024 * 1024
"""1 MiB. Slack documents no maximum. The largest thing it sends the bot is a button click:
`payload=<json>` form-encoded, carrying the whole message the button sits on. A message the
bot posts is at most 50 blocks of at most 3,000 characters of text (bot.slack.limits), about
160 KB of JSON; percent-encoding ASCII punctuation makes that up to ~3x, ~480 KB. Slash
commands and events are far smaller (a message event's text is capped at 40,000 characters).
1 MiB leaves 2x headroom over that worst case and bounds what one unsigned request can make
the server hold."""
