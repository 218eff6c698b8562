"""Block Kit builders: pure functions from values to JSON-ready dicts, within Slack's limits."""
