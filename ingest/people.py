"""Source identities to pseudonymous person keys, with bot detection, for every source.

A login, username or e-mail never reaches a row: it becomes `store.people.pseudonym(secret,
source, name)` and a `Person` row that says whether the identity is a bot. Bots are kept and
flagged, never dropped, so analytics can exclude them and say so.

Who is a bot, in this order:
1. the config's `people.humans` (never a bot) and `people.bots` (always one), for names the
   API and the patterns get wrong: a person called `deploy-bot`, a service account the API
   calls a user;
2. the API's own account type (GitHub `__typename`/`type` "Bot", GitLab `bot: true`);
3. the source's bot naming convention, then the bot patterns: the source's defaults plus
   the configured ones (configured patterns add to the defaults, never replace them).

Patterns are literal globs: `*` is any run of characters, `?` one character, everything else
stands for itself, so GitLab's `*[bot]` means a name ending in "[bot]", not one ending in b,
o or t. Matching is case-insensitive. Rows stored before the config changed its overrides
are corrected at the next sync (ingest.overrides). Sources differ only in their convention,
given as parameters:
- `bot_suffix`: the suffix a bot's name carries (GitHub's "[bot]"). A flagged name without it
  gets it, so "dependabot" (GitHub GraphQL) and "dependabot[bot]" (REST) are one person;
  patterns are also tried on the name without it.
- `bot_names`: a regular expression bot names match (GitLab's "project_12_bot_ab12...").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingest.base import Page
from store.models import Person
from store.people import pseudonym


def literal_glob(pattern: str) -> re.Pattern[str]:
    """`pattern` as a case-insensitive regular expression where only `*` and `?` are
    wildcards (fnmatch would read `[bot]` as a character class)."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lower())
    return re.compile("".join(parts) + r"\Z", re.IGNORECASE)


@dataclass(frozen=True)
class Identity:
    """A person's pseudonymous key and whether it is a bot."""

    key: str
    is_bot: bool


class People:
    """Turns one source's identities into pseudonymous keys and the `Person` rows of a page."""

    def __init__(
        self,
        secret: bytes,
        source: str,
        bot_patterns: Sequence[str] = (),
        *,
        default_patterns: Sequence[str] = (),
        bot_suffix: str = "",
        bot_names: re.Pattern[str] | None = None,
        humans: Iterable[str] = (),
        bots: Iterable[str] = (),
    ) -> None:
        self.secret = secret
        self.source = source
        patterns = dict.fromkeys(p.strip().lower() for p in (*default_patterns, *bot_patterns))
        self.bot_patterns = [literal_glob(p) for p in patterns if p]
        self.bot_suffix = bot_suffix
        self.bot_names = bot_names
        # The config's overrides, by name without the bot suffix (case-insensitive).
        self.overrides = {self._bare(n): False for n in humans if n.strip()}
        self.overrides.update({self._bare(n): True for n in bots if n.strip()})
        self._cache: dict[tuple[str, bool], Identity] = {}  # HMAC once per name
        # The page being filled and the is_bot of the last Person row it got per key: a row
        # is added again only when it would change what the upsert keeps (the last row).
        self._page: Page | None = None
        self._page_rows: dict[str, bool] = {}
        # keys seen as bots in this run: a later sighting that cannot tell (an @mention in a
        # note) must not write is_bot False over it, since the upsert keeps the last row
        self._bots: set[str] = set()

    def identify(self, name: str | None, flagged: bool = False) -> Identity | None:
        """The identity of `name`; `flagged`: the API itself says it is a bot."""
        if not name:
            return None
        cached = self._cache.get((name, flagged))
        if cached is None:
            cached = self._cache[(name, flagged)] = self._identify(name, flagged)
        return cached

    def record(self, page: Page, name: str | None, flagged: bool = False) -> Identity | None:
        """The identity of `name`, with its `Person` row on `page`."""
        ident = self.identify(name, flagged)
        if ident is not None:
            if ident.is_bot:
                self._bots.add(ident.key)
            elif ident.key in self._bots:
                ident = Identity(ident.key, True)
            if page is not self._page:
                self._page, self._page_rows = page, {}
            if self._page_rows.get(ident.key) != ident.is_bot:
                self._page_rows[ident.key] = ident.is_bot
                page.add(Person, {"key": ident.key, "is_bot": ident.is_bot})
        return ident

    def forced(self) -> dict[str, tuple[bool, bool]]:
        """Every key the config decides: key -> (is_bot as configured, what the name alone
        would say). A name with the bot suffix and without it are both keyed, as an API
        flag adds the suffix (see `bot_suffix`)."""
        out: dict[str, tuple[bool, bool]] = {}
        suffix = self.bot_suffix
        for bare, is_bot in self.overrides.items():
            for name in (bare, f"{bare}{suffix}") if suffix else (bare,):
                key = pseudonym(self.secret, self.source, name)
                out[key] = (is_bot, self._natural(name.lower(), bare, flagged=False))
        return out

    def _bare(self, name: str) -> str:
        lowered = name.strip().lower()
        suffix = self.bot_suffix.lower()
        return lowered.removesuffix(suffix) if suffix else lowered

    def _identify(self, name: str, flagged: bool) -> Identity:
        name = name.strip()  # as the key is made: the flag must describe the same identity
        suffix = self.bot_suffix.lower()
        if flagged and suffix and not name.lower().endswith(suffix):
            name = f"{name}{self.bot_suffix}"
        lowered = name.lower()
        bare = self._bare(lowered)
        is_bot = self.overrides.get(bare)
        if is_bot is None:
            is_bot = self._natural(lowered, bare, flagged=flagged)
        return Identity(pseudonym(self.secret, self.source, name), is_bot)

    def _natural(self, lowered: str, bare: str, *, flagged: bool) -> bool:
        """The decision without the config's overrides: the API's flag, the source's
        convention, the patterns."""
        suffix = self.bot_suffix.lower()
        return (
            flagged
            or bool(suffix and lowered.endswith(suffix))
            or bool(self.bot_names and self.bot_names.match(lowered))
            or any(p.match(lowered) or p.match(bare) for p in self.bot_patterns)
        )
