"""The baselines `metrics-bot bench` sets beside its figures compute what they say: the
pandas script's two questions on a hand-made store whose answers can be checked by eye, and
the REST script's request count against the GitHub fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import pandas_baseline, rest_baseline
from store.db import make_engine, session_factory, transaction, upgrade
from store.models import Deployment, PullRequest, Review

T0 = datetime(2026, 11, 16, 9, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)
ORG = {"team-a": ["alice", "bob"], "team-b": ["carol"]}


def _store(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'hand.db'}")
    upgrade(engine)
    pr = dict(source="github", repo="o/r", state="merged", updated_at=T0)
    with transaction(session_factory(engine)) as s:
        s.add_all(
            [
                # alice: ready at T0+2h, bob reviews at +5h (her own comment at +3h and a bot's
                # at +4h do not count): 3 h; first commit T0-1h, merged +6h, deployed +8h: 9 h
                PullRequest(
                    number=1,
                    author_key="alice",
                    created_at=T0,
                    ready_at=T0 + 2 * H,
                    first_commit_at=T0 - H,
                    merged_at=T0 + 6 * H,
                    **pr,
                ),
                Review(
                    source="github",
                    repo="o/r",
                    pr_number=1,
                    external_id="r1",
                    reviewer_key="alice",
                    state="COMMENTED",
                    submitted_at=T0 + 3 * H,
                ),
                Review(
                    source="github",
                    repo="o/r",
                    pr_number=1,
                    external_id="r2",
                    reviewer_key="ci-bot",
                    reviewer_is_bot=True,
                    state="COMMENTED",
                    submitted_at=T0 + 4 * H,
                ),
                Review(
                    source="github",
                    repo="o/r",
                    pr_number=1,
                    external_id="r3",
                    reviewer_key="bob",
                    state="APPROVED",
                    submitted_at=T0 + 5 * H,
                ),
                # bob: created T0 (never a draft), alice reviews at +1h: 1 h; merged at +9h,
                # a failed deploy at +10h is skipped, the one at +12h ships it: 12 h from T0
                PullRequest(number=2, author_key="bob", created_at=T0, merged_at=T0 + 9 * H, **pr),
                Review(
                    source="github",
                    repo="o/r",
                    pr_number=2,
                    external_id="r4",
                    reviewer_key="alice",
                    state="APPROVED",
                    submitted_at=T0 + H,
                ),
                # carol's PR is team-b's, not team-a's
                PullRequest(number=3, author_key="carol", created_at=T0, **{**pr, "state": "open"}),
                Review(
                    source="github",
                    repo="o/r",
                    pr_number=3,
                    external_id="r5",
                    reviewer_key="alice",
                    state="APPROVED",
                    submitted_at=T0 + 50 * H,
                ),
                Deployment(
                    source="github",
                    external_id="d1",
                    repo="o/r",
                    environment="production",
                    status="success",
                    created_at=T0 + 8 * H,
                    finished_at=T0 + 8 * H,
                ),
                Deployment(
                    source="github",
                    external_id="d2",
                    repo="o/r",
                    environment="production",
                    status="failure",
                    created_at=T0 + 10 * H,
                    finished_at=T0 + 10 * H,
                ),
                Deployment(
                    source="github",
                    external_id="d3",
                    repo="o/r",
                    environment="production",
                    status="success",
                    created_at=T0 + 12 * H,
                    finished_at=T0 + 12 * H,
                ),
            ]
        )
    return engine


def test_the_pandas_questions_answer_by_the_stated_rules(tmp_path: Path) -> None:
    engine = _store(tmp_path)
    week = (T0, T0 + timedelta(days=7))
    first = pandas_baseline.first_review_hours(engine, ORG)
    assert sorted(first.itertuples(index=False, name=None)) == [
        ("team-a", T0, 1.0),
        ("team-a", T0 + 2 * H, 3.0),
        ("team-b", T0, 50.0),
    ]
    # medians: (3 + 1) / 2 hours to first review, (9 + 12) / 2 hours of lead time
    assert pandas_baseline.answer(engine, "time_to_first_review", ORG, "team-a", week) == 2.0
    assert pandas_baseline.answer(engine, "lead_time", ORG, "team-a", week) == 10.5
    assert pandas_baseline.answer(engine, "lead_time", ORG, "team-b", week) is None
    # whole org over one week: team-a both questions, team-b first review only
    assert pandas_baseline.whole_org(engine, ORG, 1, T0 + timedelta(days=7)) == 3


def test_the_rest_script_makes_one_list_call_per_page_and_two_calls_per_pr(
    tmp_path: Path,
) -> None:
    from sandbox.sim.api import simulate

    summary = simulate(tmp_path / "world", teams=2, weeks=2, scale="small")
    result = rest_baseline.run(tmp_path / "world", max_prs=10_000)
    assert result.prs == summary.counts["pulls"]
    pages = result.requests - 2 * result.prs
    assert result.repositories <= pages <= result.repositories + result.prs // 100
    assert result.idle_requests_per_repo == 1.0
    assert result.response_bytes > 1000 * result.prs
