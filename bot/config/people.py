"""`people:`: the config's word on who is a bot, for the accounts the APIs and the patterns
get wrong. Identities are written `source:identity`, as `metrics-bot purge --person` takes
them, for the sources whose people can be bots (GitHub and GitLab):

    people:
      humans: [github:deploy-bot]          # a person whose login looks like a bot's
      bots: [github:release-train]         # a service account the API calls a user

`humans` wins over the API's account type and the bot patterns; `bots` marks an account
the API calls a user. Names are exact (case-insensitive); patterns belong in
`sources.github.bot_patterns`. An identity may be in one list only.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, model_validator

from bot.config.base import Strict

BOT_SOURCES = ("github", "gitlab")
"""Sources whose people can be bots (they flag accounts, and their names follow patterns)."""
_EXAMPLE = "e.g. github:build-bot"


def bot_identity(value: Any) -> str:
    """`source:identity`, the source lowercased; a clear message for anything else."""
    if not isinstance(value, str):
        raise ValueError(f"write each identity as source:identity ({_EXAMPLE}), not {value!r}")
    source, sep, name = value.partition(":")
    source, name = source.strip().lower(), name.strip()
    if not sep or not source or not name:
        raise ValueError(f"{value!r} is not source:identity ({_EXAMPLE})")
    if source not in BOT_SOURCES:
        raise ValueError(
            f"{value!r}: unknown source {source!r}; bot overrides name identities in "
            f"{' or '.join(BOT_SOURCES)} ({_EXAMPLE})"
        )
    if any(c.isspace() for c in name):
        raise ValueError(f"{value!r}: an identity has no spaces ({_EXAMPLE})")
    if any(c in "*?" for c in name):
        where = "; patterns go in sources.github.bot_patterns" if source == "github" else ""
        raise ValueError(f"{value!r} is a pattern: name one identity here{where}")
    return f"{source}:{name}"


BotIdentity = Annotated[str, BeforeValidator(bot_identity)]


def _same_account(identity: str) -> str:
    """The account an identity names: case-insensitive, and on GitHub with or without the
    "[bot]" suffix (REST shows `renovate[bot]` where GraphQL shows `renovate`)."""
    source, _, name = identity.lower().partition(":")
    return f"{source}:{name.removesuffix('[bot]') if source == 'github' else name}"


class PeopleConfig(Strict):
    """Identities that are never bots (`humans`) or always are (`bots`)."""

    humans: tuple[BotIdentity, ...] = ()
    bots: tuple[BotIdentity, ...] = ()

    @model_validator(mode="after")
    def _one_list_each(self) -> PeopleConfig:
        humans = {_same_account(i) for i in self.humans}
        both = [i for i in self.bots if _same_account(i) in humans]
        if both:
            verb = "is" if len(both) == 1 else "are"
            raise ValueError(
                f"{', '.join(both)} {verb} in both people.humans and people.bots: keep each "
                "identity in one list"
            )
        return self

    def for_source(self, source: str) -> dict[str, list[str]]:
        """The names of `source` in each list, as the source's config takes them."""
        return {
            "humans": [i.partition(":")[2] for i in self.humans if i.startswith(f"{source}:")],
            "bots": [i.partition(":")[2] for i in self.bots if i.startswith(f"{source}:")],
        }
