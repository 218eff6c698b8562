"""One detector load shared by a firing's runs at several as-of instants (`shared_load`):
each run's view, clipped from the load made up to the latest as-of, is exactly what
`load_org` reads at the run's own as-of (every frame, row for row, in order), so what the
detectors find does not depend on how far the load reached. Rows are placed on either side
of each as-of (the two zones' week ends, and one inside the week), for every frame."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, insert

from analytics import load
from analytics.context import OrgContext
from analytics.insights.data import NEEDS, OrgData, in_order, load_org
from analytics.insights.shared_load import Firing, load_shared
from store import models as m
from store.db import make_engine, upgrade
from tests.analytics.insights.synth import END, WEEK
from tests.bot.digest_store import CONFIG, fill, store_org
from tests.bot.helpers import make_config

ZONED = CONFIG.replace("    tz: UTC\n", "    tz: America/New_York\n", 1)
AS_OFS = (END, END + timedelta(hours=5), END - timedelta(days=3, hours=-7, minutes=13))
"""The UTC teams' week end, the New York team's (five hours later), one inside the week."""


def _at(hours: float) -> datetime:
    return END + timedelta(hours=hours)


def _edges(org: OrgContext) -> dict[Any, list[dict[str, Any]]]:
    """Rows of every frame on either side of the as-of instants (hours from END)."""
    a, b = sorted(org.team("team-a").member_keys), sorted(org.team("team-b").member_keys)
    repo, hours = "acme/team-a-api", (-80, -1, 0, 1, 2, 6)  # 0 and 1: at END
    prs = [
        {
            "source": "github",
            "repo": repo,
            "number": 9000 + i,
            "url": f"https://github.example/{repo}/pull/{9000 + i}",
            "title": "edge",
            "author_key": a[i % len(a)],
            "state": "closed" if i % 2 else "open",
            "created_at": _at(h - 1),
            "updated_at": _at(h + 1),
            "closed_at": _at(h + 0.5) if i % 2 else None,
        }
        for i, h in enumerate(hours)
    ]
    # closed before the window by a member: outside every view; one by no team's member
    prs.append({**prs[0], "number": 8999, "created_at": _at(-24 * 200), "closed_at": _at(-4000)})
    prs.append({**prs[0], "number": 8998, "author_key": "outsider-1"})
    ref = {"source": "github", "repo": repo}
    return {
        m.PullRequest: prs,
        m.Review: [
            {**ref, "pr_number": 9000 + i, "external_id": f"edge-rev-{i}", "reviewer_key": b[0],
             "state": "APPROVED",
             "submitted_at": _at(h)}
            for i, h in enumerate(hours)
        ],
        m.ReviewRequest: [
            {**ref, "pr_number": 9000 + i, "reviewer_key": b[1], "requested_at": _at(h - 0.5)}
            for i, h in enumerate(hours)
        ],
        m.Commit: [
            {**ref, "pr_number": 9000 + i, "sha": f"edge{i}", "author_key": a[0],
             "authored_at": _at(h - 0.7)}
            for i, h in enumerate(hours)
        ] + [{**ref, "pr_number": 8998, "sha": "out", "author_key": "outsider-1",
              "authored_at": _at(-2)}],
        m.Deployment: [
            {"source": "github", "external_id": f"edge-dep-{i}", "repo": repo,
             "environment": "production", "sha": f"edge{i}", "status": "success",
             "created_at": _at(h - 0.2), "finished_at": None if i % 2 else _at(h)}
            for i, h in enumerate(hours)
        ],
        m.Incident: [
            {"source": "pagerduty", "external_id": f"edge-inc-{i}", "repo": repo,
             "title": "edge", "started_at": _at(h), "resolved_at": _at(h + 1)}
            for i, h in enumerate(hours)
        ],
        m.Page: [
            {"source": "pagerduty", "external_id": f"edge-page-{i}",
             "incident_external_id": f"edge-inc-{i}", "responder_key": a[1], "at": _at(h + 0.1)}
            for i, h in enumerate(hours)
        ],
        m.CiRun: [
            {"source": "github", "repo": repo, "external_id": f"edge-ci-{i}", "name": "ci",
             "status": "completed", "conclusion": "success", "started_at": _at(h),
             "finished_at": _at(h + 0.3)}
            for i, h in enumerate(hours)
        ],
        m.Annotation: [
            {"team_slug": "team-b" if i % 2 else None, "starts_at": _at(h), "ends_at": _at(h + 30),
             "note": f"edge {i}", "created_at": _at(-100)}
            for i, h in enumerate(hours)
        ],
    }  # fmt: skip


def _store(url: str) -> tuple[Engine, OrgContext]:
    engine = make_engine(url)
    upgrade(engine)
    fill(engine)
    org = store_org(make_config(ZONED))
    with engine.begin() as conn:
        for model, rows in _edges(org).items():
            conn.execute(insert(model), rows)
    return engine, org


@pytest.fixture
def world(database_url: str) -> Iterator[tuple[Engine, OrgContext]]:
    engine, org = _store(database_url)
    yield engine, org
    engine.dispose()


def _same(shared: OrgData, alone: OrgData) -> None:
    assert (shared.start, shared.end, shared.as_of) == (alone.start, alone.end, alone.as_of)
    assert shared.synced == alone.synced
    assert sorted(shared.frames) == sorted(alone.frames)
    for name, frame in alone.frames.items():
        pd.testing.assert_frame_equal(shared.frames[name], frame, check_exact=True, obj=name)


def test_each_as_of_sees_exactly_its_own_load(world: tuple[Engine, OrgContext]) -> None:
    engine, org = world
    shared = load_shared(engine, org, org.teams, WEEK, AS_OFS)
    reach = max(AS_OFS)
    assert shared.frames["prs"]["created_at"].max() < pd.Timestamp(reach)
    sizes = set()
    for as_of in AS_OFS:
        alone = load_org(engine, org, org.teams, WEEK, as_of)
        _same(shared.data(as_of), alone)
        sizes.add(tuple(len(alone.frames[n]) for n in NEEDS))
    assert len(sizes) == len(AS_OFS), "each as-of reads other rows: the clip is exercised"


def test_a_firing_loads_once_for_its_as_ofs(world: tuple[Engine, OrgContext]) -> None:
    """The batch's runs ask the firing: the first makes the shared load, the next reuses it
    (the digests built either way: tests/bot/test_digest_one_run.py, two zones)."""
    engine, org = world
    firing = Firing({WEEK: AS_OFS[:2]})
    first = firing.data(engine, org, WEEK, AS_OFS[1])
    shared = firing.loads[WEEK]
    second = firing.data(engine, org, WEEK, AS_OFS[0])
    assert firing.loads == {WEEK: shared}, "one load for both as-ofs"
    assert first is not None and second is not None
    _same(second, load_org(engine, org, org.teams, WEEK, AS_OFS[0]))
    assert firing.data(engine, org, "2026-W46", END) is None, "a week not shared: own load"
    assert firing.data(engine, org, WEEK, AS_OFS[2]) is None, "an as-of not in it: own load"
    assert Firing({WEEK: (END,)}).data(engine, org, WEEK, END) is None, "one as-of: own load"


def test_many_members_read_for_everyone_keep_the_same_rows(
    world: tuple[Engine, OrgContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Frames filtered by author read for everyone and kept for the members in memory (as
    the whole org's detectors read them) hold the rows `IN (members)` keeps, put in ORDER."""
    engine, org = world
    start, end = END - timedelta(weeks=20), END + timedelta(hours=5)
    needs = ("prs", "commits", "reviews")
    probed = load.load_frames(engine, start, end, org.teams, needs)
    monkeypatch.setattr(load, "MANY_MEMBERS", 0)
    scanned = load.load_frames(engine, start, end, org.teams, needs, unordered=True)
    for name in ("prs", "commits"):
        assert "outsider-1" in set(
            load.load_frames(engine, start, end, None, [name])[name]["author_key"]
        )
        assert "outsider-1" not in set(scanned[name]["author_key"])
    probed, scanned = in_order(probed), in_order(scanned)
    for name in needs:
        pd.testing.assert_frame_equal(scanned[name], probed[name], check_exact=True, obj=name)
