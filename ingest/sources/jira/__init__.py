"""Jira Cloud REST v3: issues with their status changes, as work items and transitions."""

from ingest.sources.jira.config import JiraProject, JiraSourceConfig
from ingest.sources.jira.source import JiraSource

__all__ = ["JiraProject", "JiraSource", "JiraSourceConfig"]
