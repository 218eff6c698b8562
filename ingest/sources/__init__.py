"""One package per source system; each registers itself in `ingest.registry`."""
