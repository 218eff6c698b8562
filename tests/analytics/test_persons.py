"""People counted as people: a person with identities in several sources is one person.

The privacy guard used to count identity keys, so a team of 4 engineers active on GitHub
and GitLab counted as 8 and got after-hours and review-load figures (issue 15).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from analytics.context import TeamContext
from analytics.engine import evaluate
from analytics.insights.registry import enabled
from analytics.persons import as_persons
from tests.analytics.helpers import frames, org, review, team, utc

MONDAY_10 = utc(2026, 11, 23, 10)
START, END, AS_OF = utc(2026, 11, 23), utc(2026, 11, 30), utc(2026, 11, 30)


def _people(n: int, sources: tuple[str, ...] = ("gh", "gl")) -> list[frozenset[str]]:
    return [frozenset(f"{s}:p{i}" for s in sources) for i in range(n)]


def _team(persons: list[frozenset[str]], **kw: Any) -> TeamContext:
    keys = frozenset().union(*persons)
    return team(members=keys, persons=tuple(persons), **kw)


def _commits_by_every_identity(persons: list[frozenset[str]]) -> list[dict[str, Any]]:
    rows = []
    for keys in persons:
        for key in sorted(keys):
            for k in range(2):  # 10:00 and 20:00 UTC: one in hours, one after
                rows.append(
                    {
                        "source": key.split(":")[0],
                        "repo": "org/api",
                        "pr_number": 1,
                        "sha": f"{key}-{k}",
                        "author_key": key,
                        "authored_at": MONDAY_10 + timedelta(hours=10 * k),
                        "author_utc_offset_min": None,
                    }
                )
    return rows


def test_four_people_with_two_identities_each_are_four_not_eight() -> None:
    four = _people(4)
    t = _team(four)
    assert len(t.member_keys) == 8 and t.person_count == 4
    f = frames(commits=_commits_by_every_identity(four))
    v = evaluate(
        metric="after-hours", frames=f, org=org(t), team="team-a", start=START, end=END, as_of=AS_OF
    )
    assert v.value is None and v.withheld_reason.startswith("fewer than 5 people: ")


def test_five_people_with_several_identities_get_their_figure() -> None:
    five = _people(5, sources=("gh", "gl", "pd"))
    f = frames(commits=_commits_by_every_identity(five))
    v = evaluate(
        metric="after-hours",
        frames=f,
        org=org(_team(five)),
        team="team-a",
        start=START,
        end=END,
        as_of=AS_OF,
    )
    assert v.withheld_reason is None and v.value == pytest.approx(0.5)


def test_review_load_counts_reviewers_as_persons_and_sees_cross_source_self_review() -> None:
    persons = _people(5)
    at = utc(2026, 11, 24, 11)
    reviews = [
        review(1, at, reviewer="gh:p0", author="gh:p4"),
        review(2, at, reviewer="gl:p0", author="gh:p4"),  # same person, other source
        review(3, at, reviewer="gh:p1", author="gh:p4"),
        review(4, at, reviewer="gl:p4", author="gh:p4"),  # the author reviewing themself
    ]
    f = frames(member_reviews=reviews, commits=_commits_by_every_identity(persons))
    v = evaluate(
        metric="review-load",
        frames=f,
        org=org(_team(persons)),
        team="team-a",
        start=START,
        end=END,
        as_of=AS_OF,
    )
    assert v.n == 3  # the self-review under another identity does not count
    assert v.breakdown["reviewers_active"] == 5  # five active persons, not ten identities
    assert v.value == pytest.approx(1.0)  # the top two reviewers give every review


def test_people_based_detectors_are_off_for_four_people_with_many_identities() -> None:
    many = _team(_people(4, sources=("gh", "gl", "jira", "linear", "pd")))
    assert len(many.member_keys) == 20
    assert not [d for d in enabled(many) if d.people_based]
    five = _team(_people(5))
    assert [d for d in enabled(five) if d.people_based]


def test_one_key_per_person_in_every_person_column_and_frames_left_untouched() -> None:
    o = org(_team(_people(2)))
    f = frames(
        commits=_commits_by_every_identity(_people(2)),
        member_reviews=[review(1, MONDAY_10, reviewer="gl:p1", author="gl:p0")],
    )
    before = f["commits"]["author_key"].copy()
    out = as_persons(f, o)
    assert set(out["commits"]["author_key"]) == {"gh:p0", "gh:p1"}
    assert out["member_reviews"][["reviewer_key", "pr_author_key"]].values.tolist() == [
        ["gh:p1", "gh:p0"]
    ]
    assert f["commits"]["author_key"].equals(before)  # pure: the input is not changed


def test_persons_must_be_member_keys() -> None:
    with pytest.raises(ValueError, match="not member keys"):
        TeamContext(slug="x", member_keys=frozenset({"a"}), persons=(frozenset({"a", "b"}),))
