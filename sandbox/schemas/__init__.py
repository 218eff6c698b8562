"""API descriptions published by GitHub and Slack, shipped so the fakes validate offline.

Kept as published (origins, commits and licences in PROVENANCE.md beside this file):
github-schema.graphql from octokit/graphql-schema (MIT), the Slack files from
slackapi/slack-api-specs (MIT).
"""

from __future__ import annotations

from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent


def schema_path(name: str) -> Path:
    """Path of a shipped schema file, e.g. "github-schema.graphql"."""
    path = SCHEMA_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"no shipped schema named {name!r} in {SCHEMA_DIR}")
    return path
