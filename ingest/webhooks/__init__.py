"""Signals pushed by tools without a source (any CD or incident tool), from body to store.

The HTTP layer (bot.webhooks) caps the body, checks its signature and answers; what the
body means and how it is written is decided here, like every other payload-to-row mapping:
`body` parses and checks fields (`BadPayload` names the field, never quotes the body),
`rows` maps a body to an `Update` for each endpoint, and `writes` stores it idempotently on
the sender's `id` and monotonically (an older resend never overwrites newer state).
"""

from __future__ import annotations

from ingest.webhooks.body import BadPayload, parse_object
from ingest.webhooks.rows import SOURCE, Update, deployment_update, incident_update
from ingest.webhooks.writes import Contended, Outcome, write

__all__ = [
    "SOURCE",
    "BadPayload",
    "Contended",
    "Outcome",
    "Update",
    "deployment_update",
    "incident_update",
    "parse_object",
    "write",
]
