"""Resolve a team slug once, for every answer path, with one error that suggests spellings."""

from __future__ import annotations

from collections.abc import Sequence

from bot.config import AppConfig, TeamConfig
from bot.slack.catalog import closest, norm
from bot.slack.errors import UserError
from bot.slack.text import did_you_mean, echo, listed


class UnknownTeam(UserError):
    """No configured team has this slug; the message names the closest ones."""

    def __init__(self, word: str, slugs: Sequence[str]) -> None:
        self.word = word
        self.suggestions = suggest_teams(word, slugs)
        super().__init__(unknown_team_message(word, slugs, self.suggestions))


def suggest_teams(word: str, slugs: Sequence[str]) -> list[str]:
    """The slugs nearly as close to `word` as the closest one (at most three)."""
    by_norm = {norm(s): s for s in slugs}
    return [by_norm[c] for c in closest(norm(word), list(by_norm), cutoff=0.5)]


def unknown_team_message(word: str, slugs: Sequence[str], suggestions: Sequence[str]) -> str:
    """ "I don't know the team `x`. Did you mean `a` or `b`? Teams: `a`, `b`." """
    return (
        f"I don't know the team `{echo(word)}`.{did_you_mean(suggestions)} Teams: {listed(slugs)}."
    )


def resolve_slug(word: str, slugs: Sequence[str]) -> str:
    """The configured slug `word` names (case, `_` and spaces forgiven); UnknownTeam otherwise."""
    found = {norm(s): s for s in slugs}.get(norm(word))
    if found is None:
        raise UnknownTeam(word, slugs)
    return found


def resolve_team(config: AppConfig, word: str | TeamConfig | None) -> TeamConfig:
    """The team `word` names in `config`; UnknownTeam with suggestions otherwise."""
    if isinstance(word, TeamConfig):
        return word
    slug = resolve_slug(word or "", [t.slug for t in config.teams])
    team = config.team(slug)
    assert team is not None
    return team
