"""Issue 15, "one answer": a team-week's work mix is the same whichever way it is asked.

The work-type classifier used to train on the rows an answer happened to load (a 1500-item
sample of one team's, a 300-item one per team in the whole-org run), so on a large store a
week's mix changed between `metrics-bot query` and `compute_all`. Now each team's model
trains on its typed items of the 12 weeks before the as-of week, the 500 first by a stable
key, whatever was loaded. On a real SQLite store with two teams, ~70 typed and ~25 untyped
PRs a week each (titles that make the untyped ones close calls, and words that drift over
the weeks), the same week's value and breakdown must agree asked alone, as one team's
4-week and 30-week series and inside the whole-org run, which also reads the rows in
another order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from analytics.engine import compute_all, compute_metric, weekly_series
from store.db import make_engine, session_factory, transaction
from store.models import Base, PullRequest
from tests.analytics.helpers import org, team, utc

AS_OF = utc(2026, 11, 30, 9)  # a Monday morning: the last complete week ends at midnight
WEEKS = 40
TYPES = ("feat", "fix", "chore", "ci")
MEMBERS = {"team-a": ("ann", "ben", "cid", "dot"), "team-b": ("eve", "fox", "gil", "hal")}
D = timedelta(days=1)


def _title(rng: random.Random, kind: int, week: int, typed: bool) -> str:
    """Two words, each of the item's kind a little more often than of another (and which
    words those are drifts every six weeks), and noise: which type a model gives an
    untyped title is a close call that depends on the sample it was trained on."""
    era = week // 6

    def word() -> str:
        k = kind if rng.random() < 0.4 else rng.randrange(4)
        return f"k{k}w{(rng.randrange(4) + era) % 8}"

    body = f"{word()} {word()} noise{rng.randrange(15)}"
    return f"{TYPES[kind]}: {body}" if typed else body


def _rows(slug: str, seed: int) -> list[Any]:
    rng = random.Random(seed)
    start = AS_OF - timedelta(weeks=WEEKS)
    rows: list[Any] = []
    for week in range(WEEKS + 1):
        for i in range(95):
            merged = start + timedelta(weeks=week) + rng.random() * 7 * D
            if merged >= AS_OF:
                continue
            kind = rng.randrange(4)
            number = week * 1000 + i
            rows.append(
                PullRequest(
                    source="github",
                    repo=f"org/{slug}",
                    number=number,
                    title=_title(rng, kind, week, typed=i < 70),
                    author_key=MEMBERS[slug][i % 4],
                    state="merged",
                    created_at=merged - D,
                    merged_at=merged,
                    updated_at=merged,
                    merge_commit_sha=f"{slug}{number}",
                    additions=10,
                    deletions=2,
                )
            )
    return rows


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('mix') / 'store.db'}")
    Base.metadata.create_all(engine)
    rows = _rows("team-b", 2) + _rows("team-a", 1)  # team-b first: another loading order
    random.Random(3).shuffle(rows)
    with transaction(session_factory(engine)) as s:
        s.add_all(rows)
    yield engine
    engine.dispose()


def _org() -> Any:
    return org(*(team(slug, members=m, repos=()) for slug, m in MEMBERS.items()))


def _week(values: list[Any], start: datetime) -> Any:
    [found] = [v for v in values if v.period_start == start]
    return found


@pytest.mark.parametrize("slug", sorted(MEMBERS))
def test_a_weeks_work_mix_is_the_same_alone_for_one_team_over_a_long_range_and_org_wide(
    store: Engine, slug: str
) -> None:
    o = _org()
    run = compute_all(engine=store, org=o, as_of=AS_OF, weeks=30, metrics=["work-mix"])
    four = weekly_series(engine=store, org=o, team=slug, metric="work-mix", weeks=4, as_of=AS_OF)
    long = weekly_series(engine=store, org=o, team=slug, metric="work-mix", weeks=30, as_of=AS_OF)
    for back in (1, 2, 4):
        start = utc(2026, 11, 30) - timedelta(weeks=back)
        alone = compute_metric(
            engine=store, org=o, team=slug, metric="work-mix",
            start=start, end=start + 7 * D, as_of=AS_OF,
        )  # fmt: skip
        answers = {
            "alone": alone,
            "4 weeks": _week(four, start),
            "30 weeks": _week(long, start),
            "whole org": _week(run[slug]["work-mix"], start),
        }
        want = alone.to_json()
        assert alone.value is not None and alone.n > 80
        for path, answer in answers.items():
            got = answer.to_json()
            for field in ("value", "n", "breakdown", "baseline"):
                assert got[field] == want[field], f"{slug} week -{back} {path}: {field}"
        filled = [n for n in alone.notes if n.startswith("text classifier filled")]
        assert filled and "trained on 500 of the" in filled[0], alone.notes


def test_the_model_fills_close_calls_differently_when_trained_on_other_weeks(
    store: Engine,
) -> None:
    """The world is one where the training rows matter: asked as of four weeks later, the
    same week's mix changes (its model trains on other weeks), so the agreement above is
    not that of a model any sample would give."""
    o = _org()
    start = utc(2026, 11, 2)
    now = compute_metric(
        engine=store, org=o, team="team-a", metric="work-mix",
        start=start, end=start + 7 * D, as_of=AS_OF,
    )  # fmt: skip
    earlier = compute_metric(
        engine=store, org=o, team="team-a", metric="work-mix",
        start=start, end=start + 7 * D, as_of=start + 7 * D + timedelta(hours=9),
    )  # fmt: skip
    assert now.n == earlier.n
    assert now.breakdown != earlier.breakdown
