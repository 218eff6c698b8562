"""Who may do what from Slack: a team's people (members with a Slack id, and its leads) add
annotations, start experiments and answer its pulse; an item's author or a lead changes it.

The CLI acts as the operator (`by=None`): whoever runs it holds the database already.
"""

from __future__ import annotations

from bot.config import TeamConfig
from bot.slack.errors import UserError
from bot.slack.text import escape

CLI = "cli"
"""What `created_by` says for rows written from the terminal."""


def author_of(by: str | None) -> str:
    return by or CLI


def require_on_team(team: TeamConfig, by: str | None, doing: str) -> None:
    """UserError unless `by` is one of the team's people (or the CLI)."""
    if by is None or by in team.slack_people:
        return
    raise UserError(
        f"Only {escape(team.name)}'s people {doing}: its members (with their Slack id in the "
        "config) and its leads. Ask one of them, or a lead to add you."
    )


def require_author_or_lead(team: TeamConfig, by: str | None, author: str | None, what: str) -> None:
    """UserError unless `by` wrote the item, leads the team, or is the CLI."""
    if by is None or by in team.leads or (author is not None and by == author):
        return
    raise UserError(
        f"Only whoever added {what} or one of {escape(team.name)}'s leads can change it."
    )
