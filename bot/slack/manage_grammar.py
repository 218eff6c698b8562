"""The `/metrics experiment ...` and `/metrics annotate ...` grammar (pure, runs before the ack).

    /metrics experiment start [team] "name" --metric review-time [--weeks 6]
                              [--from 2026-11-02] [--hypothesis "..."]
    /metrics experiment list [team]
    /metrics experiment stop|report [team] ["name"]
    /metrics annotate [team] 2026-11-02..2026-11-06 "security training" [--keep-in-baseline]
    /metrics annotate list [team]
    /metrics annotate edit 12 ["note"] [2026-11-02..2026-11-06] [--keep-in-baseline|--exclude]
    /metrics annotate remove 12

Names and notes go in quotes (Slack's curly quotes too); the team defaults to the channel's.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bot.core.annotations import parse_days
from bot.core.teams import UnknownTeam, resolve_slug, suggest_teams
from bot.slack.catalog import norm
from bot.slack.errors import UserError
from bot.slack.text import echo, listed

Area = Literal["experiment", "annotate"]
AREAS: dict[str, Area] = {
    "experiment": "experiment",
    "experiments": "experiment",
    "annotate": "annotate",
    "annotation": "annotate",
    "annotations": "annotate",
}
ACTIONS: dict[Area, tuple[str, ...]] = {
    "experiment": ("start", "list", "stop", "report"),
    "annotate": ("list", "edit", "remove"),
}
VALUED = {"--metric", "--weeks", "--from", "--start", "--hypothesis"}
SWITCHES = {"--keep-in-baseline", "--exclude-from-baseline", "--exclude"}
EXPERIMENT_USAGE = (
    'Usage: `/metrics experiment start team-b "daily review slot" --metric review-time '
    '--weeks 6`, `/metrics experiment list|stop|report [team] ["name"]`.'
)
ANNOTATE_USAGE = (
    'Usage: `/metrics annotate team-b 2026-11-02..2026-11-06 "security training"`, '
    "`/metrics annotate list [team]`, `/metrics annotate edit|remove 12`."
)
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
_PERIODISH = re.compile(r"^\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?$")
_ITEM = re.compile(r"^#?(\d{1,9})$")
_SLUGISH = re.compile(r"^[a-z0-9][a-z0-9_-]*$", re.IGNORECASE)


@dataclass(frozen=True)
class ManageCommand:
    """One parsed experiment or annotation request."""

    area: Area
    action: str
    team: str | None = None
    text: str | None = None
    """The experiment's name, or the annotation's note."""
    metric: str | None = None
    weeks: int | None = None
    start: date | None = None
    hypothesis: str = ""
    days: tuple[date, date] | None = None
    item: int | None = None
    keep_in_baseline: bool | None = None


def is_manage(text: str) -> bool:
    """Does `text` ask for an experiment or an annotation?"""
    words = text.split(maxsplit=1)
    return bool(words) and norm(words[0]) in AREAS


def tokens(text: str) -> list[str]:
    """Words, with quoted names kept whole (curly quotes read as straight ones)."""
    try:
        return shlex.split(text.translate(_QUOTES))
    except ValueError:
        raise UserError("A quote is not closed: put the name or note between two quotes.") from None


def _flags(words: Sequence[str], usage: str) -> tuple[list[str], dict[str, str]]:
    """(positional words, {flag: value}); UserError for an unknown or valueless flag."""
    positional: list[str] = []
    flags: dict[str, str] = {}
    it = iter(words)
    for word in it:
        low = word.lower()
        if low in SWITCHES:
            flags[low] = "yes"
        elif low in VALUED:
            value = next(it, None)
            if value is None or value.startswith("--"):
                raise UserError(f"`{echo(word)}` needs a value. {usage}")
            flags["--from" if low == "--start" else low] = value
        elif word.startswith("--"):
            raise UserError(f"I don't know the option `{echo(word)}`. {usage}")
        else:
            positional.append(word)
    return positional, flags


def _int(value: str, what: str) -> int:
    if not re.fullmatch(r"\d{1,3}", value):
        raise UserError(f"{what} is a whole number, not `{echo(value)}`.")
    return int(value)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"`{echo(value)}` is not a date: write it as 2026-11-02.") from None


def _team_word(word: str, teams: Sequence[str]) -> str | None:
    """The slug `word` names; None when it is not a team's."""
    try:
        return resolve_slug(word, teams)
    except UnknownTeam:
        return None


def _looks_like_team(word: str, teams: Sequence[str]) -> bool:
    return bool(_SLUGISH.match(word)) and bool(suggest_teams(word, teams))


def _need_team(team: str | None, usage: str, teams: Sequence[str]) -> str:
    if team is None:
        raise UserError(
            f"Which team? This channel belongs to no team, so name one. Teams: {listed(teams)}. "
            + usage
        )
    return team


def parse_manage(text: str, *, teams: Sequence[str], channel_team: str | None) -> ManageCommand:
    """Parse an experiment or annotation request; UserError saying what is wrong."""
    words = tokens(text)
    if not words or norm(words[0]) not in AREAS:
        raise UserError(f"{EXPERIMENT_USAGE} {ANNOTATE_USAGE}")
    area = AREAS[norm(words[0])]
    rest = words[1:]
    action = norm(rest[0]) if rest and norm(rest[0]) in ACTIONS[area] else None
    if action is not None:
        rest = rest[1:]
    if area == "experiment":
        return _experiment(action or "list", rest, teams, channel_team)
    return _annotate(action or "add", rest, teams, channel_team)


def _split_team(
    positional: list[str], teams: Sequence[str], channel_team: str | None, *, most: int
) -> tuple[str | None, list[str]]:
    """(team, the other positional words): the first word if it names a team; else the
    channel's team (an unknown team is named as such when it cannot be anything else)."""
    if positional:
        slug = _team_word(positional[0], teams)
        if slug is not None:
            return slug, positional[1:]
        if len(positional) >= most or _looks_like_team(positional[0], teams):
            resolve_slug(positional[0], teams)  # raises UnknownTeam with suggestions
    return channel_team, positional


def _experiment(
    action: str, words: list[str], teams: Sequence[str], channel_team: str | None
) -> ManageCommand:
    positional, flags = _flags(words, EXPERIMENT_USAGE)
    if action == "list":
        team, extra = _split_team(positional, teams, None, most=1)
        if extra:
            resolve_slug(extra[0], teams)
        return ManageCommand("experiment", "list", team=team)
    team, extra = _split_team(positional, teams, channel_team, most=2)
    team = _need_team(team, EXPERIMENT_USAGE, teams)
    if len(extra) > 1:
        raise UserError(f"Put the experiment's name in quotes. {EXPERIMENT_USAGE}")
    name = extra[0] if extra else None
    if action != "start":
        return ManageCommand("experiment", action, team=team, text=name)
    if "--metric" not in flags:
        raise UserError(
            f"Which metric should it move? Add `--metric review-time`. {EXPERIMENT_USAGE}"
        )
    return ManageCommand(
        "experiment",
        "start",
        team=team,
        text=name or "",
        metric=flags["--metric"],
        weeks=_int(flags["--weeks"], "--weeks") if "--weeks" in flags else None,
        start=_day(flags["--from"]) if "--from" in flags else None,
        hypothesis=flags.get("--hypothesis", ""),
    )


def _baseline(flags: dict[str, str]) -> bool | None:
    keep, drop = (
        "--keep-in-baseline" in flags,
        bool({"--exclude", "--exclude-from-baseline"} & set(flags)),
    )
    if keep and drop:
        raise UserError("Keep it in baselines or leave it out, not both.")
    return True if keep else (False if drop else None)


def _annotate(
    action: str, words: list[str], teams: Sequence[str], channel_team: str | None
) -> ManageCommand:
    positional, flags = _flags(words, ANNOTATE_USAGE)
    keep = _baseline(flags)
    if action == "list":
        team, _ = _split_team(positional, teams, channel_team, most=1)
        return ManageCommand("annotate", "list", team=team)
    if action in ("edit", "remove"):
        match = _ITEM.match(positional[0]) if positional else None
        if match is None:
            raise UserError(f"Which annotation? Give its number, e.g. `12`. {ANNOTATE_USAGE}")
        period = [w for w in positional[1:] if _PERIODISH.match(w)]
        notes = [w for w in positional[1:] if not _PERIODISH.match(w)]
        return ManageCommand(
            "annotate",
            action,
            item=int(match.group(1)),
            days=parse_days(period[0]) if period else None,
            text=" ".join(notes) or None,
            keep_in_baseline=keep,
        )
    at = next((i for i, w in enumerate(positional) if _PERIODISH.match(w)), None)
    if at is None:
        raise UserError(f"Which days? {ANNOTATE_USAGE}")
    team, _ = _split_team(positional[:at], teams, channel_team, most=1)
    team = _need_team(team, ANNOTATE_USAGE, teams)
    note = " ".join(positional[at + 1 :])
    return ManageCommand(
        "annotate",
        "add",
        team=team,
        days=parse_days(positional[at]),
        text=note,
        keep_in_baseline=keep,
    )
