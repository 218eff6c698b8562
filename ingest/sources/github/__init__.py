"""GitHub and GitHub Enterprise Server: pull requests over GraphQL, delivery over REST."""

from ingest.sources.github.config import GitHubSourceConfig, RepoRef, graphql_url_for
from ingest.sources.github.source import GitHubSource

__all__ = ["GitHubSource", "GitHubSourceConfig", "RepoRef", "graphql_url_for"]
