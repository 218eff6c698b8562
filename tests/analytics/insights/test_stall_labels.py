"""The stall model's label on a hand-made store: the stalled_prs detector's event, censored
at the last successful sync (not at the clock), and the landmark rows it is asked at."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, delete, insert

from analytics.context import OrgContext, RepoInfo, TeamContext, WorkCalendar
from analytics.insights.data import load_org
from analytics.insights.stall.clock import add_working_hours
from analytics.insights.stall.outcomes import landmarks, waits
from store.db import make_engine, upgrade
from store.models import Person, PullRequest, Review, SyncRun

MON = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday; the team works 09:00-17:00 UTC
SYNC = MON + timedelta(days=11, hours=12)  # Friday 13 Nov 12:00: the last successful sync
AS_OF = MON + timedelta(days=21)  # Monday 23 Nov: "now", well past every limit
REPO = "acme/api"
ORG = OrgContext(
    teams=(
        TeamContext(
            slug="team-a",
            calendar=WorkCalendar("UTC"),
            member_keys=frozenset({"alice", "bob"}),
            repos=(RepoInfo(REPO),),
        ),
    )
)


def at(day: int, hour: int) -> datetime:
    return MON + timedelta(days=day, hours=hour)


# number: (ready, first review by bob or None, closed without review or None, note)
CASES: dict[int, tuple[datetime, datetime | None, datetime | None]] = {
    1: (at(0, 9), at(1, 10), None),  # reviewed after 9 working hours: not stalled
    2: (at(0, 9), at(7, 10), None),  # reviewed a week later: stalled
    3: (at(7, 9), None, None),  # never reviewed, limit Thu 12 09:00 before the sync: stalled
    4: (at(10, 9), None, None),  # limit Tue 17 09:00 after the sync: unknown, not stalled
    5: (at(10, 9), at(11, 15), None),  # reviewed after the sync started: unknown
    6: (at(7, 9), None, at(8, 12)),  # closed without a review in time: not stalled
    7: (at(0, 9), at(4, 10), None),  # the author's own review Monday does not count: stalled
    10: (at(10, 9), at(10, 11), None),  # reviewed before the sync, limit after it
}


def _pr(number: int, ready: datetime, closed: datetime | None, **kw: Any) -> dict[str, Any]:
    row = {
        "source": "github",
        "repo": REPO,
        "number": number,
        "url": f"https://github.example/{REPO}/pull/{number}",
        "title": f"change {number}",
        "author_key": "alice",
        "author_is_bot": False,
        "state": "closed" if closed else "open",
        "is_draft": False,
        "created_at": ready,
        "ready_at": None,
        "merged_at": None,
        "closed_at": closed,
        "updated_at": closed or ready,
        "additions": 10,
        "deletions": 2,
        "labels": [],
    }
    return row | kw


def _review(number: int, who: str, when: datetime) -> dict[str, Any]:
    return {
        "source": "github",
        "repo": REPO,
        "pr_number": number,
        "external_id": f"r{number}{who}",
        "reviewer_key": who,
        "reviewer_is_bot": False,
        "state": "approved",
        "submitted_at": when,
    }


def _sync(status: str, started: datetime) -> dict[str, Any]:
    return {"source": "github", "started_at": started, "finished_at": started, "status": status}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("stall") / "store.db"
    eng = make_engine(f"sqlite:///{path}")
    upgrade(eng)
    prs = [_pr(n, ready, closed) for n, (ready, _, closed) in CASES.items()]
    prs.append(_pr(8, at(0, 9), None, is_draft=True))  # still a draft: never waits
    prs.append(_pr(9, at(0, 9), None, author_key="dependabot", author_is_bot=True))
    reviews = [_review(n, "bob", r) for n, (_, r, _) in CASES.items() if r is not None]
    reviews.append(_review(7, "alice", at(0, 10)))
    with eng.begin() as conn:
        conn.execute(
            insert(Person),
            [{"key": k, "is_bot": k == "dependabot"} for k in ("alice", "bob", "dependabot")],
        )
        conn.execute(insert(PullRequest), prs)
        conn.execute(insert(Review), reviews)
        conn.execute(
            insert(SyncRun),
            [
                _sync("ok", SYNC - timedelta(days=3)),
                _sync("ok", SYNC),
                _sync("failed", SYNC + timedelta(days=5)),  # a failed run moves nothing
                _sync("running", SYNC + timedelta(days=6)),
            ],
        )
    yield eng
    eng.dispose()


def _outcomes(engine: Engine) -> tuple[Any, dict[int, float]]:
    data = load_org(engine, ORG, ORG.teams, "2026-W47", AS_OF, history_weeks=4)
    w = waits(data)
    return data, dict(zip(w.prs["number"].astype(int), w.stalled, strict=True))


def test_the_label_is_censored_at_the_last_successful_sync_not_at_now(engine: Engine) -> None:
    data, label = _outcomes(engine)
    assert data.synced == {"github": SYNC}
    assert sorted(label) == [1, 2, 3, 4, 5, 6, 7, 10]  # no draft, no bot
    assert label[1] == 0.0 and label[6] == 0.0
    assert label[2] == 1.0 and label[3] == 1.0 and label[7] == 1.0
    # open at the last sync with the limit past it: not labelled, though "now" is past it
    assert np.isnan(label[4])
    # its review came after the sync started: the data does not know it yet
    assert np.isnan(label[5])
    # reviewed in two hours: its outcome is known, but its limit (Tuesday) is not observed,
    # so it trains nothing: labelling only the early-reviewed would bias labels to "fine"
    w = waits(data)
    labels = dict(zip(w.prs["number"].astype(int), w.label, strict=True))
    assert label[10] == 0.0 and np.isnan(labels[10])
    assert {n for n, v in labels.items() if np.isfinite(v)} == {1, 2, 3, 6, 7}


def test_outcomes_become_known_at_the_limit_or_the_review(engine: Engine) -> None:
    data, _ = _outcomes(engine)
    w = waits(data)
    row = {int(n): i for i, n in enumerate(w.prs["number"])}
    thursday = pd.Timestamp(at(3, 9)).value  # Monday 09:00 + 3 working days
    assert w.limit_ns[row[2]] == thursday
    assert w.known_ns[row[2]] == thursday + 1  # stalled as soon as the limit passed
    assert w.known_ns[row[1]] == pd.Timestamp(at(1, 10)).value


def test_landmarks_are_the_ages_still_waiting_and_observed(engine: Engine) -> None:
    """PR 4 (ready Thursday 09:00) is asked about at 0.5 and 1 working days (Thursday 13:00
    and 17:00, before the sync) with no label; 1.5 days (Friday 13:00) is past the sync."""
    data, _ = _outcomes(engine)
    w = waits(data)
    rows = landmarks(w, (0.5, 1.0, 1.5, 2.0, 2.5), data)
    number = w.prs["number"].to_numpy()[rows["pr"].to_numpy()]
    four = rows[number == 4]
    assert list(four["age"]) == [0.5, 1.0]
    assert list(four["at"]) == [pd.Timestamp(at(10, 13)).value, pd.Timestamp(at(10, 17)).value]
    assert four["stalled"].isna().all()
    one = rows[number == 1]
    assert list(one["age"]) == [0.5, 1.0]  # reviewed at 9 working hours: not waiting at 1.5
    assert (one["stalled"] == 0).all()
    assert set(rows[number == 2]["age"]) == {0.5, 1.0, 1.5, 2.0, 2.5}


def test_working_hours_forwards_inverts_working_hours_between() -> None:
    from analytics.calendar import working_hours_between

    cal = WorkCalendar("Europe/Berlin", (1, 2, 3, 4, 6))
    rng = np.random.default_rng(3)
    start = pd.Series(pd.to_datetime(rng.integers(1.7e9, 1.8e9, 300), unit="s", utc=True))
    hours = rng.uniform(0.1, 50, 300)
    end = add_working_hours(start, hours, cal)
    assert np.allclose(working_hours_between(start, end, cal), hours, atol=1e-6)
    earlier = working_hours_between(start, end - pd.Timedelta(minutes=1), cal)
    assert (earlier < hours).all()  # the earliest such instant
    friday = pd.Series([pd.Timestamp("2026-11-20 16:00", tz="UTC")])  # an hour before close
    assert add_working_hours(friday, 24.0, WorkCalendar())[0] == pd.Timestamp(
        "2026-11-25 16:00", tz="UTC"
    )  # 1 h Friday, 8 Monday, 8 Tuesday, 7 Wednesday


def test_the_model_report_stops_at_the_last_sync_not_at_the_clock(tmp_path: Path) -> None:
    """`metrics-bot model report` runs at "now"; the synthetic org's last sync was two
    weeks before its end: rows after it are neither trained nor tested on, and the PRs whose
    limit falls after it are not labelled (they were, as "stalled", when censored at now)."""
    from analytics.insights.stall import model_report
    from tests.analytics.insights.synth import END, Knobs, fill_store, org

    knobs = Knobs(stall_team="team-a")
    eng = make_engine(f"sqlite:///{tmp_path / 'synth.db'}")
    upgrade(eng)
    fill_store(eng, knobs)
    now = END + timedelta(days=30)
    before = model_report(eng, org(knobs), now, weeks=24)
    with eng.begin() as conn:  # a sync long after the rows stop (a frozen sandbox)
        conn.execute(insert(SyncRun), [_sync("ok", END + timedelta(days=20))])
    late = model_report(eng, org(knobs), now, weeks=24)
    synced = END - timedelta(days=14)
    with eng.begin() as conn:
        conn.execute(insert(SyncRun), [_sync("failed", END + timedelta(days=21))])
        conn.execute(delete(SyncRun).where(SyncRun.status == "ok"))
        conn.execute(insert(SyncRun), [_sync("ok", synced)])
    after = model_report(eng, org(knobs), now, weeks=24)
    eng.dispose()
    assert before["data_until"] == "latest loaded event (no sync log)"
    # the rows stop before that sync: nothing is labelled beyond the last event either way
    assert late["final_rows"] == before["final_rows"] > 0
    assert late["auc"] == before["auc"]
    assert after["data_until"] == {"github": synced.isoformat()}
    assert pd.Timestamp(after["split_at"]) < pd.Timestamp(synced)
    assert after["final_rows"] < before["final_rows"]
    assert after["train_rows"] + after["test_rows"] <= after["final_rows"]
