"""The simulator's trackers (issue 17): epics and projects with target dates that slip only
for their planted cause, and requirement churn and blocking dependencies visible in the raw
items of the planted teams."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sandbox import world as w
from sandbox.sim import simulate

DONE = {"Done", "已完成", "Won't Do", "不做", "Canceled"}


@pytest.fixture(scope="module", params=[7, 11])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp(f"tracker-{request.param}")
    simulate(out, seed=request.param, weeks=16)
    return out


def rows(out: Path, key: str) -> Iterator[dict[str, Any]]:
    with (out / w.WORLD_FILES[key]).open(encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def items(out: Path) -> list[dict[str, Any]]:
    return [*rows(out, "jira_issues"), *rows(out, "linear_issues")]


def day(s: str) -> str:
    return s[:10]


def ts(s: str) -> float:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def members(out: Path, target: dict[str, Any]) -> list[dict[str, Any]]:
    keys = {target["key"]} | {
        t["key"] for t in rows(out, "delivery_targets") if t.get("parent") == target["key"]
    }
    return [i for i in items(out) if i.get("parent") in keys]


def test_targets_have_items_and_land_on_time_unless_a_cause_was_planted(world: Path) -> None:
    targets = list(rows(world, "delivery_targets"))
    assert len(targets) >= 10
    causes = Counter(t["slip_cause"] for t in targets if t["kind"] != "milestone")
    assert causes[None] >= 3 and len(causes) >= 3, causes
    late_with_cause = 0
    for t in targets:
        own = members(world, t)
        assert own, t["key"]
        assert all(ts(i["created_at"]) >= ts(t["created_at"]) for i in own)
        if t["status_category"] == "done":
            assert t["resolved_at"] == max(i["resolved_at"] for i in own)
            late = day(t["resolved_at"]) > t["target_on"]
            if t["slip_cause"] is None:
                assert not late, t["key"]  # nothing planted: on time
            late_with_cause += late
    assert late_with_cause >= 2


def joined(item: dict[str, Any]) -> str:
    """When an item joined its epic or project: a parent change, else its creation."""
    moves = [
        c["at"] for c in item.get("changes", []) if c["field"] in ("Parent", "Epic Link", "project")
    ]
    return moves[-1] if moves else item["created_at"]


def test_scope_growth_epics_gain_items_after_they_start(world: Path) -> None:
    share: dict[bool, list[float]] = {True: [], False: []}
    for t in rows(world, "delivery_targets"):
        if t["kind"] == "milestone":
            continue
        own = members(world, t)
        start = ts(t["created_at"]) + 86400
        later = sum(ts(joined(i)) > start for i in own) / len(own)
        share[t["slip_cause"] == "scope_growth"].append(later)
    assert share[True], "no scope growth planted"
    assert min(share[True]) > 0.25
    assert sum(share[False]) / len(share[False]) < 0.25


def test_blocking_dependencies_point_at_another_teams_late_item(world: Path) -> None:
    by_key = {i["key"]: i for i in items(world)}
    blocked_epics = [
        t for t in rows(world, "delivery_targets") if t["slip_cause"] == "blocking_dependency"
    ]
    for t in blocked_epics:
        links = [
            (i, link)
            for i in members(world, t)
            for link in i.get("links", [])
            if link["kind"] == "is blocked by"
        ]
        assert links, t["key"]
        for item, link in links:
            blocker = by_key[link["key"]]
            assert blocker["project"] != item["project"]
            assert blocker["source"] == item["source"]  # trackers link only their own issues
            assert blocker["resolved_at"] is None or day(blocker["resolved_at"]) > t["target_on"]


def _team_rates(out: Path) -> dict[str, dict[str, float]]:
    projects = {
        t["slug"]: [*t["jira_projects"], *t["linear_teams"]]
        for t in json.loads((out / "org.json").read_text())["teams"]
    }
    project_team = {p: slug for slug, ps in projects.items() for p in ps}
    tally: dict[str, Counter[str]] = {}
    for i in items(out):
        if not i["transitions"]:
            continue
        c = tally.setdefault(project_team[i["project"]], Counter())
        c["started"] += 1
        c["reopened"] += any(
            t["from_status"] in DONE and t["to_status"] not in DONE for t in i["transitions"]
        )
        c["rewritten"] += any(
            ch["field"] in ("description", "Story Points", "estimate")
            for ch in i.get("changes", [])
        )
        c["blocked"] += any(link["kind"] == "is blocked by" for link in i.get("links", []))
    return {
        team: {k: c[k] / c["started"] for k in ("reopened", "rewritten", "blocked")}
        for team, c in tally.items()
    }


def test_planted_churn_and_blocking_show_in_the_planted_teams(world: Path) -> None:
    planted = json.loads((world / "tracker" / "planted.json").read_text())
    kinds = {p["kind"]: p["team"] for p in planted}
    assert set(kinds) == {"requirement_churn", "blocking_dependency"}
    truth = {p["team"]: p["kind"] for p in json.loads((world / "ground_truth.json").read_text())}
    assert truth[kinds["requirement_churn"]] not in ("healthy", "review_bottleneck")
    rates = _team_rates(world)
    churn, blocked = kinds["requirement_churn"], kinds["blocking_dependency"]
    others = [t for t in rates if t not in (churn, blocked)]
    for key in ("reopened", "rewritten"):
        assert rates[churn][key] > 2 * max(rates[t][key] for t in others), key
    assert rates[blocked]["blocked"] > 0.1
    assert max(rates[t]["blocked"] for t in others) < 0.05


def test_a_partners_blockers_are_the_same_drawn_dry_or_reused() -> None:
    """The simulator reuses the previous team's blockers instead of drawing that team again;
    both must give the same items (only untouched items, whose times no partner changes)."""
    from sandbox.sim.api import DEFAULT_END
    from sandbox.sim.clock import make_span
    from sandbox.sim.roster import build_world
    from sandbox.sim.trackerplants import plan_trackers
    from sandbox.sim.workitems import tracker

    span = make_span(DEFAULT_END, 10)
    teams = build_world(3, 7, span).teams
    plants, partners = plan_trackers(3, teams)
    blocked = [t for t in teams if "blocking_dependency" in plants[t.tracker_key]]
    assert blocked
    for team in blocked:
        partner = partners[team.tracker_key]
        made = tracker(3, partner, span, plants, partners[partner.tracker_key])
        reused = tracker(3, team, span, plants, partner, made.blockers)
        dry = tracker(3, team, span, plants, partner)
        assert reused.items == dry.items and reused.targets == dry.targets
        assert any(
            link["kind"] == "is blocked by" for i in dry.items for link in i.get("links", [])
        )
