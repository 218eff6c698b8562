"""Issue 20 item 5, incremental analytics: answers kept by the refresh after each sync and
read back by `compute_all` equal a full recompute, value for value; an idle sync's refresh
recomputes nothing; a killed refresh leaves its marks in place.

The world is the bench generator's small store (3 teams, 600 PRs); the "syncs" write
through `store.upsert`, the write path every ingest source uses."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from analytics import kept
from analytics.answer import baseline_window, ownership_text, window_text
from analytics.engine import compute_all
from analytics.kept_codec import decode, encode, parse
from analytics.refresh import refresh
from analytics.registry import resolve
from analytics.values import MetricValue, Trend
from bench.bench_metrics import END, generate, org_context
from bench.stores import copy_sqlite
from store import kept as store_kept
from store import marks
from store.db import make_engine
from store.models import AnalyticsMark, Deployment, Incident, KeptWeek, PullRequest, Review
from store.upsert import upsert

WEEKS = 13
ORG = org_context(3)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path: Path = tmp_path_factory.mktemp("kept") / "world.db"
    generate(path, 600, 3, seed=5)
    return path


@pytest.fixture
def store(world: Path, database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """A copy of the world in a fresh SQLite file or PostgreSQL schema, with no marks."""
    if database_url.startswith("sqlite"):
        copy = tmp_path / "copy.db"
        copy.write_bytes(world.read_bytes())
        engine = make_engine(f"sqlite:///{copy}")
    else:
        copy_sqlite(world, database_url)
        engine = make_engine(database_url)
        with engine.begin() as conn:  # the copy keeps ids: move the sequences past them
            for table in ("pull_requests", "reviews", "deployments", "incidents"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )
    yield engine
    engine.dispose()


def _same(engine: Engine, as_of: datetime) -> None:
    """Kept + incremental equals a full recompute, every field (NaN-exact) and as-of."""
    got = compute_all(engine=engine, org=ORG, as_of=as_of, weeks=WEEKS)
    full = compute_all(engine=engine, org=ORG, as_of=as_of, weeks=WEEKS, use_kept=False)
    assert got.keys() == full.keys()
    for team, series in full.items():
        assert got[team].keys() == series.keys()
        for metric, values in series.items():
            mine = got[team][metric]
            # repr: every field, NaN equal to NaN, each instant with its zone
            assert [repr(v) for v in mine] == [repr(v) for v in values], (team, metric)
            assert all(v.as_of == as_of for v in mine)


def _old_pr(engine: Engine, weeks_back: int) -> PullRequest:
    with Session(engine) as s:
        q = select(PullRequest).where(
            PullRequest.created_at < END - timedelta(weeks=weeks_back),
            PullRequest.merged_at.is_not(None),
        )
        pr = s.scalars(q.order_by(PullRequest.created_at.desc()).limit(1)).one()
        s.expunge(pr)
        return pr


def _sync(engine: Engine) -> None:
    """A sync that touches a few weeks: a late-read review of a PR from ~9 weeks ago, a new
    PR this week, a deployment shipping an older PR, an incident."""
    pr = _old_pr(engine, 9)
    shipped = _old_pr(engine, 3)
    with Session(engine) as s, s.begin():
        review = {
            "source": "github",
            "repo": pr.repo,
            "pr_number": pr.number,
            "external_id": "late-review",
            "reviewer_key": "p00001",
            "reviewer_is_bot": False,
            "state": "APPROVED",
            "submitted_at": pr.created_at + timedelta(minutes=5),
        }
        upsert(s, Review, [review], ["source", "repo", "pr_number", "external_id"])
        new = {
            "source": "github",
            "repo": pr.repo,
            "number": 99_001,
            "title": "feat: new",
            "author_key": pr.author_key,
            "state": "open",
            "created_at": END - timedelta(days=5),
            "updated_at": END - timedelta(days=1),
            "merge_commit_sha": None,
        }
        old = {**new, "number": 99_002, "created_at": END - timedelta(weeks=9)}
        old["updated_at"] = old["created_at"]
        upsert(s, PullRequest, [new, old], ["source", "repo", "number"])
        dep = {
            "source": "github",
            "external_id": "late-dep",
            "repo": shipped.repo,
            "service": "svc-000",
            "environment": "production",
            "sha": shipped.merge_commit_sha,
            "status": "success",
            "created_at": END - timedelta(days=4),
            "finished_at": END - timedelta(days=4),
        }
        upsert(s, Deployment, [dep], ["source", "external_id"])
        inc = {
            "source": "pagerduty",
            "external_id": "late-inc",
            "service": "svc-000",
            "title": "",
            "started_at": END - timedelta(days=3),
            "resolved_at": END - timedelta(days=3, hours=-2),
        }
        upsert(s, Incident, [inc], ["source", "external_id"])


def _first_review_weeks_later(engine: Engine) -> None:
    """A review, 2 weeks after it opened, of the PR `_sync` wrote 9 weeks back: its own
    week is 7 weeks back, the week it counts in (the PR's) 9."""
    with Session(engine) as s, s.begin():
        pr = s.scalars(select(PullRequest).where(PullRequest.number == 99_002)).one()
        review = {
            "source": "github",
            "repo": pr.repo,
            "pr_number": pr.number,
            "external_id": "first-late",
            "reviewer_key": "p00002",
            "reviewer_is_bot": False,
            "state": "APPROVED",
            "submitted_at": pr.created_at + timedelta(weeks=2),
        }
        upsert(s, Review, [review], ["source", "repo", "pr_number", "external_id"])


def test_kept_and_incremental_equal_a_full_recompute(store: Engine) -> None:
    first = refresh(engine=store, org=ORG, as_of=END, weeks=WEEKS)
    assert first.weeks == WEEKS and first.kept > 0
    _same(store, END)
    assert refresh(engine=store, org=ORG, as_of=END, weeks=WEEKS).weeks == 0  # idle
    _sync(store)
    with store.connect() as conn:
        assert marks.pending(conn)
    _same(store, END)  # marks pending: the touched weeks are computed, the rest read
    again = refresh(engine=store, org=ORG, as_of=END, weeks=WEEKS)
    assert 0 < again.weeks < WEEKS  # from the late review's week on, not everything
    with store.connect() as conn:
        assert not marks.pending(conn)
    _same(store, END)
    _first_review_weeks_later(store)
    _same(store, END)
    assert refresh(engine=store, org=ORG, as_of=END, weeks=WEEKS).weeks >= 9
    _same(store, END)
    later = END + timedelta(weeks=1)  # a week completes: only it is new
    assert refresh(engine=store, org=ORG, as_of=later, weeks=WEEKS).weeks >= 1
    _same(store, later)


def test_an_idle_sync_refresh_computes_nothing(store: Engine) -> None:
    refresh(engine=store, org=ORG, as_of=END, weeks=WEEKS)
    with Session(store) as s, s.begin():  # an idle sync rewrites an unchanged row
        pr = _old_pr(store, 2)
        row = {c.name: getattr(pr, c.name) for c in PullRequest.__table__.columns if c.name != "id"}
        assert upsert(s, PullRequest, [row], ["source", "repo", "number"]) == 0
    with store.connect() as conn:
        assert not marks.pending(conn)
    idle = refresh(engine=store, org=ORG, as_of=END + timedelta(hours=1), weeks=WEEKS)
    assert (idle.weeks, idle.model_weeks, idle.kept, idle.cleared) == (0, 0, 0, 0)


def test_a_killed_refresh_leaves_its_marks(store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    refresh(engine=store, org=ORG, as_of=END, weeks=WEEKS)
    _sync(store)
    with store.connect() as conn:
        before = conn.execute(select(func.count()).select_from(AnalyticsMark)).scalar()
        kept_before = conn.execute(select(func.count()).select_from(KeptWeek)).scalar()

    def killed(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(store_kept, "prune", killed)
    with pytest.raises(KeyboardInterrupt):
        refresh(engine=store, org=ORG, as_of=END, weeks=WEEKS)
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AnalyticsMark)).scalar() == before
        assert conn.execute(select(func.count()).select_from(KeptWeek)).scalar() == kept_before
    monkeypatch.undo()
    _same(store, END)


def test_a_purge_marks_every_week(store: Engine) -> None:
    with Session(store) as s, s.begin():
        marks.mark_all(s, "purge")
    with store.connect() as conn:
        assert kept.dirty_since(conn, marks.pending(conn), ORG, END) == kept.EVERYTHING


def test_the_codec_gives_back_every_field_exactly() -> None:
    """NaN, infinity, zones, dicts and notes come back as they were, and so do texts the
    codec would derive when they differ from what it derives; a field added to
    `MetricValue` without the codec knowing it fails here."""
    spec = resolve("review-time")
    start = datetime(2026, 10, 5, tzinfo=ZoneInfo("America/New_York"))
    mv = MetricValue(
        spec.id,
        ORG.teams[0].slug,
        start,
        start + timedelta(weeks=1),
        math.nan,
        spec.unit,
        7,
        spec.definition,
        math.inf,
        2.5,
        0.1 + 0.2,
        8,
        baseline_window(ORG.thresholds.baseline_weeks, 8),
        Trend(None, "up", False, math.nan, 3.0, 8),
        window_text(spec, start, start + timedelta(weeks=1), ORG.teams[0].tz, ORG.thresholds),
        "working",
        {"drafts": 2},
        ownership_text(spec, {"pr-author": 7}),
        {"pr-author": 7},
        {"sha": 3},
        {"feature": 0.5, "bug": None},
        ("a note",),
        None,
        "elite",
        "DORA",
        END,
    )
    team = ORG.teams[0]
    th = ORG.thresholds
    for given in (mv, replace(mv, window="other words", ownership="", baseline_window="")):
        raw = parse(encode(given, spec, team, th))
        back = decode(raw, spec, team, (given.period_start, given.period_end), th, END)
        assert len(fields(MetricValue)) == 26
        for f in fields(MetricValue):
            assert repr(getattr(given, f.name)) == repr(getattr(back, f.name)), f.name


def test_an_incident_with_no_window_reaches_back_to_the_last_deployment(store: Engine) -> None:
    """Attributed however late, an incident may fall on the last deployment before it of
    the service it names: the refresh redoes weeks from that deployment on."""
    since = END - timedelta(days=2)
    org = replace(ORG, thresholds=replace(ORG.thresholds, incident_window=None))
    with Session(store) as s:
        last = s.execute(
            select(func.max(Deployment.finished_at)).where(
                Deployment.service == "svc-000", Deployment.finished_at < since - timedelta(weeks=1)
            )
        ).scalar_one()
        s.execute(
            delete(Deployment).where(
                Deployment.service == "svc-000",
                Deployment.finished_at >= last + timedelta(seconds=1),
                Deployment.finished_at < since,
            )
        )
        pending = [marks.Mark(1, "incidents", since, since)]
        inc = {
            "source": "pagerduty",
            "external_id": "no-window",
            "service": "svc-000",
            "title": "",
            "started_at": since,
            "resolved_at": since + timedelta(hours=1),
        }
        upsert(s, Incident, [inc], ["source", "external_id"])
        assert kept.dirty_since(s.connection(), pending, org, END) <= last
