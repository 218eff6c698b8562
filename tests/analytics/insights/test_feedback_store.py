"""Votes and snoozes read back from a real store and shaping the next run (issue 16, item 4).

The synthetic org plants a 1.4x review slowdown in team-b (measured 1.36 to 1.41 over the
last weeks), a 1.23x one in team-c (1.25 to 1.30) and after-hours creep, a health warning,
in team-d. Votes are rows in feedback_votes and snoozes rows in finding_snoozes, as the
bot writes them; the engine reads both through its loaders.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, insert

from analytics.context import OrgContext
from analytics.insights.engine import findings_all
from analytics.insights.hiding import Findings
from bot.slack.feedback import save_insights
from store.db import make_engine, session_factory, upgrade
from store.models import FeedbackVote, FindingSnooze, InsightRow
from tests.analytics.insights.synth import END, WEEK, Knobs, fill_store, org

KNOBS = Knobs(wait={"team-b": 2.1, "team-c": 1.85}, night_team="team-d")


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("feedback") / "store.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    fill_store(eng, KNOBS)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def clean(engine: Engine) -> Iterator[None]:
    yield
    with engine.begin() as conn:
        conn.execute(delete(FeedbackVote))
        conn.execute(delete(FindingSnooze))
        conn.execute(delete(InsightRow))


def run(engine: Engine, o: OrgContext | None = None, as_of=END) -> dict[str, Findings]:  # type: ignore[no-untyped-def]
    o = o or org(KNOBS)
    return findings_all(engine, o, teams=list(o.slugs), week=None, as_of=as_of)


def shown(found: dict[str, Findings], team: str) -> list[str]:
    return [i.kind for i in found[team].shown]


def vote_down(engine: Engine, team: str, kind: str, voters: int, *, at=END, reason=None) -> None:  # type: ignore[no-untyped-def]
    """`voters` leads' thumbs-down on the team's `kind` finding of the week before `at`."""
    [target] = [i for i in run(engine, as_of=at)[team].shown if i.kind == kind]
    save_insights(session_factory(engine), [target], at)  # votes point at a stored insight
    rows = [
        {
            "insight_id": target.id,
            "team_slug": team,
            "kind": kind,
            "voter": f"U{team[-1].upper()}{n}",
            "value": -1,
            "voted_at": at - timedelta(hours=1),
            "reason": reason,
        }
        for n in range(voters)
    ]
    with engine.begin() as conn:
        conn.execute(insert(FeedbackVote), rows)


def test_one_thumbs_down_cannot_hide_a_1_4x_bottleneck(engine: Engine) -> None:
    """The benchmark case: plant 1.4x, one lead votes it down, the detector still flags it."""
    before = run(engine)
    assert shown(before, "team-b") == ["review_bottleneck"]
    assert before["team-b"].shown[0].extra["ratio"] >= 1.36
    vote_down(engine, "team-b", "review_bottleneck", 1)
    after = run(engine)
    assert shown(after, "team-b") == ["review_bottleneck"] and after["team-b"].hidden == ()
    # four leads voting it down move the threshold to the cap (1.2 x 1.1 = 1.32). Over the
    # detector's 6 weeks the planted 1.4x slowdown measures 1.26 to 1.43 (over 12 weeks it
    # was 1.36 to 1.41): it stays shown in most weeks, and a week it falls under the raised
    # bar it is kept and named as hidden by votes, never silently gone
    vote_down(engine, "team-b", "review_bottleneck", 4, at=END - timedelta(weeks=5))
    weeks_shown = 0
    for weeks_back in range(5):
        found = run(engine, as_of=END - timedelta(weeks=weeks_back))
        if shown(found, "team-b") == ["review_bottleneck"]:
            weeks_shown += 1
            continue
        [hidden] = found["team-b"].hidden
        assert (hidden.insight.kind, hidden.by) == ("review_bottleneck", "threshold"), weeks_back
    assert weeks_shown >= 3


def test_a_finding_under_a_raised_threshold_is_kept_and_named(engine: Engine) -> None:
    assert shown(run(engine), "team-c") == ["review_bottleneck"]
    vote_down(engine, "team-c", "review_bottleneck", 2)
    found = run(engine)["team-c"]
    assert found.shown == ()
    [hidden] = found.hidden
    assert hidden.by == "threshold" and hidden.insight.kind == "review_bottleneck"
    assert hidden.insight.week == WEEK and "threshold ×1.10" in hidden.note
    assert "0 of 2 useful" in hidden.note and hidden.insight.feedback_note == hidden.note


def test_votes_from_another_team_move_nothing_unless_the_team_opts_in(engine: Engine) -> None:
    vote_down(engine, "team-b", "review_bottleneck", 4)
    alone = run(engine)["team-c"]
    assert [i.kind for i in alone.shown] == ["review_bottleneck"]
    assert alone.shown[0].feedback_note is None  # nothing learned for team-c at all
    o = org(KNOBS)
    opted = OrgContext(
        teams=tuple(dataclasses.replace(t, pool_feedback=t.slug == "team-c") for t in o.teams)
    )
    pooled = run(engine, opted)["team-c"]
    assert pooled.shown == () and [h.by for h in pooled.hidden] == ["threshold"]
    assert "pooled across teams" in pooled.hidden[0].note


def test_health_warnings_are_not_silenced_by_votes(engine: Engine) -> None:
    assert shown(run(engine), "team-d") == ["after_hours_creep"]
    vote_down(engine, "team-d", "after_hours_creep", 6, reason="wrong")
    found = run(engine)["team-d"]
    assert [i.kind for i in found.shown] == ["after_hours_creep"] and found.hidden == ()
    assert "never hide it" in (found.shown[0].feedback_note or "")
    with engine.begin() as conn:  # and a snooze row (which the bot refuses to write) is ignored
        conn.execute(insert(FindingSnooze), [_snooze("team-d", "after_hours_creep", WEEK)])
    assert shown(run(engine), "team-d") == ["after_hours_creep"]


def _snooze(team: str, kind: str, last: str, first: str = "2026-W40") -> dict[str, object]:
    return {
        "team_slug": team,
        "kind": kind,
        "subject": "",
        "insight_id": None,
        "first_week": first,
        "last_week": last,
        "ends_at": END + timedelta(days=7),
        "created_by": "U1",
        "created_at": END - timedelta(weeks=2),
    }


def test_a_snooze_hides_one_finding_for_its_weeks_and_says_so(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(FindingSnooze), [_snooze("team-b", "review_bottleneck", WEEK)])
    found = run(engine)
    assert found["team-b"].shown == ()
    [hidden] = found["team-b"].hidden
    assert hidden.by == "snooze" and hidden.until == END + timedelta(days=7)
    assert [s.kind for s in found["team-b"].snoozes] == ["review_bottleneck"]
    assert shown(found, "team-c") == ["review_bottleneck"]  # one team's finding, not the kind
    with engine.begin() as conn:  # a snooze that ended the week before: the finding is back
        conn.execute(delete(FindingSnooze))
        conn.execute(insert(FindingSnooze), [_snooze("team-b", "review_bottleneck", "2026-W46")])
    back = run(engine)["team-b"]
    assert [i.kind for i in back.shown] == ["review_bottleneck"]
    assert back.hidden == () and back.snoozes == ()
