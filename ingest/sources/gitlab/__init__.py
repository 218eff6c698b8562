"""GitLab (gitlab.com or self-managed) REST v4: merge requests, deployments and pipelines."""

from ingest.sources.gitlab.config import GitLabProject, GitLabSourceConfig, api_url_for
from ingest.sources.gitlab.source import GitLabSource

__all__ = ["GitLabProject", "GitLabSource", "GitLabSourceConfig", "api_url_for"]
