"""`metrics-bot purge --person SOURCE:IDENTITY`: erase one person from the store on request.

The identity is written as the sources know it (`github:octocat`, `jira:5b10ac8d82e05b22cc7d4ef5`).
When the config lists it under a team member, the member's other identities (GitLab, Jira...)
are the same person and are purged too. What is deleted and what is only anonymised is
decided in `store.purge`; this module turns identities into keys and reports.

The store is a copy: a sync reads the sources again. So the command says when the config
still lists the person, whose membership the next sync would write back; their past
activity comes back only with a re-sync from before it (`ingest --since`).
"""

from __future__ import annotations

import click

from bot.config import AppConfig
from bot.runtime import Runtime
from store.db import transaction
from store.people import pseudonym
from store.purge import Purged, purge_people

SOURCES = ("github", "gitlab", "jira", "linear", "pagerduty")
EXIT_OK, EXIT_UNKNOWN = 0, 2


class PersonError(Exception):
    """The --person value cannot name anyone; the message says how to write it."""


def parse_person(text: str) -> tuple[str, str]:
    """'github:octocat' -> ('github', 'octocat')."""
    source, sep, identity = text.partition(":")
    source, identity = source.strip().lower(), identity.strip()
    if not sep or not identity or source not in SOURCES:
        raise PersonError(
            f"--person must be SOURCE:IDENTITY with SOURCE one of {', '.join(SOURCES)} "
            "(e.g. github:octocat)"
        )
    return source, identity


def _same(a: str, b: str) -> bool:
    return a.strip().lower() == b.strip().lower()  # as store.people keys them


def _is(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return a[0] == b[0] and _same(a[1], b[1])


def identities(
    config: AppConfig, source: str, identity: str
) -> tuple[list[tuple[str, str]], list[str]]:
    """Every identity of the person, and the teams whose config still lists them."""
    found: list[tuple[str, str]] = [(source, identity)]
    teams: list[str] = []
    for team in config.teams:
        for member in team.members:
            pairs = member.identities()
            if any(s == source and _same(i, identity) for s, i in pairs):
                teams.append(team.slug)
                found += [p for p in pairs if not any(_is(p, q) for q in found)]
    return found, teams


def report(person: str, count: int, purged: Purged) -> str:
    """What was removed, per table (counts of rows, no identities)."""
    deleted = ", ".join(f"{table} {n}" for table, n in purged.deleted.items())
    erased = ", ".join(f"{table} {n}" for table, n in purged.erased.items())
    return (
        f"purged {person} ({count} identit{'y' if count == 1 else 'ies'})\n"
        f"  rows deleted: {deleted}\n"
        f"  person key erased, rows kept for team figures: {erased}"
    )


def run_purge(runtime: Runtime, person: str) -> int:
    """Purge one person and print what was removed; exit code 2 when nobody matches."""
    try:
        source, identity = parse_person(person)
    except PersonError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        return EXIT_UNKNOWN
    pairs, teams = identities(runtime.config, source, identity)
    secret = runtime.pseudonym_secret
    keys = {pseudonym(secret, s, i) for s, i in pairs}
    try:
        with transaction(runtime.sessions) as session:
            purged = purge_people(session, keys)
    finally:
        runtime.engine.dispose()  # a one-shot command: give the connections back now
    if not purged.total:
        click.secho(
            f"error: nothing stored for {person}: no row carries its key", fg="red", err=True
        )
        return EXIT_UNKNOWN
    click.echo(report(person, len(pairs), purged))
    if teams:
        click.echo(
            f"note: the config still lists this person in {', '.join(teams)}: remove them "
            "there, or the next sync writes the membership back (and a re-sync with --since "
            "their activity)"
        )
    return EXIT_OK
