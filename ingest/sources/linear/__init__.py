"""Linear GraphQL: issues with their state history, labels and team, as work items."""

from ingest.sources.linear.config import LinearSourceConfig, LinearTeam
from ingest.sources.linear.source import LinearSource

__all__ = ["LinearSource", "LinearSourceConfig", "LinearTeam"]
