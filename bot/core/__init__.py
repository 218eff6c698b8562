"""The one answer core: the typed port to analytics, team resolution and metric views.

Every answer the bot gives (the CLI's `query`, `/metrics`, the digest, App Home) resolves its
team and computes its views here, so they all say the same clock, window, n and exclusions.
"""
