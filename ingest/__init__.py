"""Reading delivery signals from outside systems into the store: sources, streams, one runner.

Public entry points: `ingest.runner.run_sync`, `ingest.registry.get_source_class`,
`ingest.progress.RichProgress`. Imports only `store` (DESIGN.md, import rules).
"""
