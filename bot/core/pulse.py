"""The team pulse: "How was your flow this week?", 1–5 and an optional word, by button.

The question about week W goes out in W's digest; answers come in during the week after,
and the pulse of W closes when that week ends (in the team's zone). Until then the store
keeps, apart from each other: the scores and the words (random ids, no person, no time),
and one HMAC-SHA256 of each answerer's Slack id under a random salt of that team and week,
only to refuse a second answer. Closing folds the scores and words into one aggregate row
and deletes the answers, the words, the hashes and the salt: after that, nothing stored
ties an answer to a person, or can be made to (the salt is gone). An aggregate keeps only
how many answered when fewer than the minimum group did (5, as every people figure).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from analytics.calendar import week_bounds
from bot.config import TeamConfig
from bot.core.manage import ManageDeps
from bot.core.people import require_on_team
from bot.core.teams import resolve_team
from bot.slack.errors import UserError
from bot.slack.text import echo
from store.db import transaction
from store.models import PulseAnswer, PulseSalt, PulseVoter, PulseWeek, PulseWord

QUESTION = "How was your flow this week?"
SCORES = (1, 2, 3, 4, 5)
MAX_WORD = 30
ONCE = (
    "You already answered the pulse of {week}: one answer per person and week. It cannot be "
    "changed, because nothing stored says which answer was yours."
)


@dataclass(frozen=True)
class PulseView:
    """A closed week as it may be shown: mean, scores and words only with enough answers."""

    team: str
    week: str
    shown: bool
    needed: int
    mean: float | None = None
    answers: int | None = None
    scores: dict[int, int] | None = None
    words: tuple[tuple[str, int], ...] = ()


def next_week(label: str) -> str:
    """The ISO week after `label`."""
    _, end = week_bounds(label, "UTC")
    iso = end.date().isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def closes_at(week: str, tz: str) -> datetime:
    """When the pulse of `week` closes: the end of the week after it, in the team's zone."""
    return week_bounds(next_week(week), tz)[1]


def _voter(salt: str, user: str) -> str:
    return hmac.new(bytes.fromhex(salt), user.encode(), hashlib.sha256).hexdigest()


def _team(deps: ManageDeps, team_word: str, user: str | None) -> TeamConfig:
    team = resolve_team(deps.config, team_word)
    if not team.pulse:
        raise UserError(f"{echo(team.name)} has no pulse (`pulse: true` in its config).")
    require_on_team(team, user, "answer its pulse")
    return team


def _open(deps: ManageDeps, team: TeamConfig, week: str) -> None:
    close_due(deps)
    now = deps.now()
    start, _ = week_bounds(week, team.tz)
    with deps.sessions() as s:
        closed = s.get(PulseWeek, (team.slug, week)) is not None
    if closed or now >= closes_at(week, team.tz):
        raise UserError(
            f"The pulse of {week} has closed; the latest digest asks about a later week."
        )
    if now < start:
        raise UserError(f"{week} has not started yet: there is nothing to answer about.")


def answer(deps: ManageDeps, team_word: str, week: str, score: int, *, user: str) -> TeamConfig:
    """Count one person's score for `week` (once per person and week)."""
    team = _team(deps, team_word, user)
    if score not in SCORES:
        raise UserError("A pulse answer is 1, 2, 3, 4 or 5.")
    _open(deps, team, week)
    try:
        with transaction(deps.sessions) as s:
            salt = s.get(PulseSalt, (team.slug, week))
            if salt is None:
                salt = PulseSalt(team_slug=team.slug, week=week, salt=secrets.token_hex(32))
                s.add(salt)
                s.flush()
            voter = _voter(salt.salt, user)
            if s.get(PulseVoter, (team.slug, week, voter)) is not None:
                raise UserError(ONCE.format(week=week))
            s.add(PulseVoter(team_slug=team.slug, week=week, voter=voter, worded=False))
            s.add(
                PulseAnswer(id=secrets.token_hex(16), team_slug=team.slug, week=week, score=score)
            )
    except IntegrityError:  # the same person twice at once: the other click won
        raise UserError(ONCE.format(week=week)) from None
    return team


def clean_word(word: str) -> str:
    text = " ".join(word.split()).casefold()
    if not text:
        raise UserError("Type a word, or just close the form: the word is optional.")
    if len(text) > MAX_WORD:
        raise UserError(f"One word, or a few: at most {MAX_WORD} characters.")
    return text


def add_word(deps: ManageDeps, team_word: str, week: str, word: str, *, user: str) -> str:
    """Keep one person's optional word for `week` (after their score, once), apart from it."""
    team = _team(deps, team_word, user)
    text = clean_word(word)
    _open(deps, team, week)
    with transaction(deps.sessions) as s:
        salt = s.get(PulseSalt, (team.slug, week))
        voter = (
            None if salt is None else s.get(PulseVoter, (team.slug, week, _voter(salt.salt, user)))
        )
        if voter is None:
            raise UserError(f"Answer the pulse of {week} first (1–5), then add a word.")
        if voter.worded:
            raise UserError(f"You already added a word to the pulse of {week}.")
        voter.worded = True
        s.add(PulseWord(id=secrets.token_hex(16), team_slug=team.slug, week=week, word=text))
    return text


def close_due(deps: ManageDeps) -> list[tuple[str, str]]:
    """Close every pulse week whose time is up: fold it into its aggregate and delete the
    answers, words, hashes and salt (see the module doc). Returns (team, week) closed."""
    now = deps.now()
    zones = {t.slug: t.tz for t in deps.config.teams}
    with deps.sessions() as s:
        open_weeks = {(r.team_slug, r.week) for r in s.scalars(select(PulseSalt))}
    due = sorted(k for k in open_weeks if now >= closes_at(k[1], zones.get(k[0], "UTC")))
    for team, week in due:
        _close(deps, team, week, now)
    return due


def _close(deps: ManageDeps, team: str, week: str, now: datetime) -> None:
    floor = deps.config.thresholds.min_group_size
    with transaction(deps.sessions) as s:
        where = (PulseAnswer.team_slug == team, PulseAnswer.week == week)
        scores = Counter(s.scalars(select(PulseAnswer.score).where(*where)))
        words = Counter(
            s.scalars(
                select(PulseWord.word).where(PulseWord.team_slug == team, PulseWord.week == week)
            )
        )
        n = sum(scores.values())
        enough = n >= floor
        if s.get(PulseWeek, (team, week)) is None:
            s.add(
                PulseWeek(
                    team_slug=team,
                    week=week,
                    answers=n,
                    scores={str(k): scores.get(k, 0) for k in SCORES} if enough else None,
                    words=dict(sorted(words.items())) if enough else None,
                    closed_at=now,
                )
            )
        s.execute(delete(PulseAnswer).where(*where))
        s.execute(delete(PulseWord).where(PulseWord.team_slug == team, PulseWord.week == week))
        s.execute(delete(PulseVoter).where(PulseVoter.team_slug == team, PulseVoter.week == week))
        s.execute(delete(PulseSalt).where(PulseSalt.team_slug == team, PulseSalt.week == week))


def view(deps: ManageDeps, team: str, week: str) -> PulseView | None:
    """The closed pulse of `week` as it may be shown; None while it is open (or never ran)."""
    floor = deps.config.thresholds.min_group_size
    with deps.sessions() as s:
        row = s.get(PulseWeek, (team, week))
    if row is None:
        return None
    if row.answers < floor or not isinstance(row.scores, dict):
        return PulseView(team, week, shown=False, needed=floor)
    scores = {int(k): int(v) for k, v in row.scores.items()}
    n = sum(scores.values())
    mean = sum(k * v for k, v in scores.items()) / n
    words = sorted((row.words or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    return PulseView(team, week, True, floor, mean, n, scores, tuple(words))


def trend(deps: ManageDeps, team: str, weeks: Sequence[str]) -> tuple[float | None, ...]:
    """The mean of each week shown (None for a week not shown), for a sparkline."""
    out = []
    for week in weeks:
        v = view(deps, team, week)
        out.append(v.mean if v is not None and v.shown else None)
    return tuple(out)
