"""The simulator writes the sandbox.world contract, deterministically, with visible plants."""

from __future__ import annotations

import json
import statistics
import typing
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sandbox import world as w
from sandbox.sim import SimSummary, simulate

WEEKS = 16


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SimSummary]:
    out = tmp_path_factory.mktemp("world")
    calls: list[tuple[int, int]] = []
    summary = simulate(out, seed=7, weeks=WEEKS, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1][0] == calls[-1][1]
    assert [d for d, _ in calls] == list(range(1, len(calls) + 1))
    return out, summary


def rows(out: Path, key: str) -> Iterator[dict[str, Any]]:
    with (out / w.WORLD_FILES[key]).open(encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def ts(s: str) -> float:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def org(out: Path) -> dict[str, Any]:
    return typing.cast(dict[str, Any], json.loads((out / "org.json").read_text()))


def team_of_repo(out: Path) -> dict[str, str]:
    return {r["full_name"]: r["team"] for r in org(out)["repos"]}


def bots(out: Path) -> set[str]:
    return {p["login"] for p in org(out)["people"] if p["is_bot"]}


def test_same_options_give_identical_bytes(tmp_path: Path) -> None:
    a = simulate(tmp_path / "a", seed=3, weeks=5)
    b = simulate(tmp_path / "b", seed=3, weeks=5)
    c = simulate(tmp_path / "c", seed=4, weeks=5)
    files = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert len(files) == 3 + len(w.WORLD_FILES)  # org, ground truth, tracker/planted.json
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    assert a.counts == b.counts
    pulls = w.WORLD_FILES["pulls"]
    assert (tmp_path / "a" / pulls).read_bytes() != (tmp_path / "c" / pulls).read_bytes()
    assert c.counts["pulls"] > 0


# --- contract conformance -------------------------------------------------------------

_RECORD = {
    "pulls": w.Pull,
    "gitlab_mrs": w.Pull,
    "deployments": w.Deployment,
    "gitlab_deployments": w.Deployment,
    "workflow_runs": w.WorkflowRun,
    "releases": w.Release,
    "issues": w.Issue,
    "pd_incidents": w.PdIncident,
    "jira_issues": w.WorkItem,
    "linear_issues": w.WorkItem,
    "delivery_targets": w.DeliveryTargetSpec,
}
_NESTED = {
    "commits": w.Commit,
    "reviews": w.Review,
    "timeline": w.TimelineEvent,
    "statuses": w.DeploymentStatus,
    "log_entries": w.PdLogEntry,
    "transitions": w.StatusChange,
    "changes": w.FieldChange,
    "links": w.ItemLink,
}
_SORT = {
    "pulls": lambda r: (r["repo"], r["number"]),
    "gitlab_mrs": lambda r: (r["repo"], r["number"]),
    "deployments": lambda r: (r["repo"], r["id"]),
    "gitlab_deployments": lambda r: (r["repo"], r["id"]),
    "workflow_runs": lambda r: (r["repo"], r["id"]),
    "releases": lambda r: (r["repo"], r["id"]),
    "issues": lambda r: (r["repo"], r["number"]),
    "pd_incidents": lambda r: r["created_at"],
    # Keys sort as Jira does: by project, then by issue number ("PAY-9" before "PAY-10").
    "jira_issues": lambda r: (r["project"], int(r["key"].split("-")[-1])),
    "linear_issues": lambda r: (r["project"], int(r["key"].split("-")[-1])),
    "delivery_targets": lambda r: (r["source"], r["project"], r["created_at"]),
}


def _contract_keys(cls: Any) -> tuple[set[str], set[str]]:
    """Required and optional keys of a TypedDict (world.py's annotations are strings)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    optional = {k for k, v in hints.items() if typing.get_origin(v) is typing.NotRequired}
    return set(hints) - optional, optional


def _check_keys(obj: dict[str, Any], cls: Any, where: str) -> None:
    required, optional = _contract_keys(cls)
    assert required <= obj.keys(), (where, required - obj.keys())
    assert obj.keys() <= required | optional, (where, obj.keys() - required - optional)
    for key, value in obj.items():
        if key in _NESTED:
            for item in value:
                _check_keys(item, _NESTED[key], f"{where}.{key}")
        if isinstance(value, str) and (key.endswith("_at") or key == "at"):
            if key == "authored_at":
                assert (
                    not value.endswith("Z")
                    and datetime.fromisoformat(value).utcoffset() is not None
                )
            else:
                assert value.endswith("Z"), (where, key, value)
                ts(value)


def test_every_line_follows_the_contract(small: tuple[Path, SimSummary]) -> None:
    out, summary = small
    for key, cls in _RECORD.items():
        lines = list(rows(out, key))
        assert len(lines) == summary.counts[key]
        assert lines, key
        for row in lines:
            _check_keys(row, cls, key)
        keys = [_SORT[key](r) for r in lines]
        assert keys == sorted(keys), f"{key} not sorted"
        ids = [(r.get("repo"), r["id"]) for r in lines]
        assert len(set(ids)) == len(ids), f"{key} ids not unique"
    _check_keys(org(out), w.Org, "org")
    for team in org(out)["teams"]:
        _check_keys(team, w.Team, "team")
    for person in org(out)["people"]:
        _check_keys(person, w.Person, "person")
    truth = json.loads((out / "ground_truth.json").read_text())
    for planted in truth:
        _check_keys(planted, w.Planted, "planted")


def test_pull_states_follow_their_events(small: tuple[Path, SimSummary]) -> None:
    out, _ = small
    end = ts(org(out)["end"])
    for p in rows(out, "pulls"):
        times = [p["created_at"], *(c["committed_at"] for c in p["commits"])]
        times += [r["submitted_at"] for r in p["reviews"]] + [e["at"] for e in p["timeline"]]
        assert max(ts(t) for t in times) <= end
        assert p["updated_at"] == max(times, key=ts)
        assert [ts(r["submitted_at"]) for r in p["reviews"]] == sorted(
            ts(r["submitted_at"]) for r in p["reviews"]
        )
        assert [ts(e["at"]) for e in p["timeline"]] == sorted(ts(e["at"]) for e in p["timeline"])
        kinds = [e["type"] for e in p["timeline"]]
        if p["state"] == "MERGED":
            assert p["merge_commit_sha"] and p["merged_at"] == p["closed_at"] and "MERGED" in kinds
        else:
            assert p["merged_at"] is None and p["merge_commit_sha"] is None
        if p["state"] == "CLOSED":
            assert kinds[len(kinds) - 1 - kinds[::-1].index("CLOSED")] == "CLOSED"
        if p["is_draft"]:
            assert "READY_FOR_REVIEW" not in kinds
        assert all(len(c["sha"]) == 40 for c in p["commits"])


# --- the org ----------------------------------------------------------------------------


def test_org_shape(small: tuple[Path, SimSummary]) -> None:
    out, summary = small
    o = org(out)
    teams = o["teams"]
    assert [t["slug"] for t in teams][:3] == ["team-a", "team-b", "team-c"]
    a = teams[0]
    assert a["slack_channel"] == "C0TEAMA" and a["leads"] == ["U0ALEADA"]
    sizes = [len(t["members"]) for t in teams]
    assert all(3 <= s <= 12 for s in sizes) and min(sizes) < 5
    assert len({p["tz"] for p in o["people"]}) >= 5
    assert {r["kind"] for r in o["repos"]} == {"product", "platform", "legacy", "infrastructure"}
    assert any(t["gitlab_projects"] for t in teams)
    assert any(t["jira_projects"] for t in teams) and any(t["linear_teams"] for t in teams)
    assert {p["login"] for p in o["people"] if p["is_bot"]} >= {"dependabot[bot]", "renovate[bot]"}
    assert all(p["login"].endswith("[bot]") == p["is_bot"] for p in o["people"])
    services = {s["id"] for s in o["services"]}
    assert all(set(t["pagerduty_services"]) <= services for t in teams)
    assert summary.teams == len(teams) and summary.people == sum(sizes)


def test_ground_truth_lists_the_planted_kinds(small: tuple[Path, SimSummary]) -> None:
    out, _ = small
    truth = {p["kind"]: p for p in json.loads((out / "ground_truth.json").read_text())}
    assert set(truth) == {
        "review_bottleneck",
        "after_hours_creep",
        "review_load_concentration",
        "cfr_batching",
        "stalled_prs",
        "process_change",
        "healthy",
    }
    assert truth["review_bottleneck"]["team"] == "team-b"
    assert truth["review_bottleneck"]["magnitude"] == 0.4
    assert truth["process_change"]["magnitude"] < -0.5
    teams = {t["slug"]: t for t in org(out)["teams"]}
    for kind in ("after_hours_creep", "review_load_concentration"):  # shown only for >= 5
        assert len(teams[truth[kind]["team"]]["members"]) >= 5
    for p in truth.values():
        date.fromisocalendar(int(p["first_week"][:4]), int(p["first_week"][6:]), 1)


def test_sources_have_the_variety_readers_must_handle(small: tuple[Path, SimSummary]) -> None:
    out, _ = small
    pulls = list(rows(out, "pulls"))
    states = Counter(r["state"] for p in pulls for r in p["reviews"])
    assert set(states) == {"APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED"}
    kinds = Counter(e["type"] for p in pulls for e in p["timeline"])
    assert {"REVIEW_REQUESTED", "READY_FOR_REVIEW", "CLOSED", "REOPENED", "MERGED"} <= set(kinds)
    assert Counter(p["state"] for p in pulls).keys() == {"OPEN", "CLOSED", "MERGED"}
    authors = Counter(p["author"] for p in pulls)
    assert authors["dependabot[bot]"] > 0 and authors["renovate[bot]"] > 0
    assert any(r["author"].endswith("[bot]") for p in pulls for r in p["reviews"])
    labelled = sum(bool(p["labels"]) for p in pulls) / len(pulls)
    assert 0.2 < labelled < 0.7  # a classifier has gaps to fill
    assert any(p["title"].startswith("feat: ") for p in pulls)
    assert any(p["head_ref"].startswith("fix/") for p in pulls)
    assert any(
        p["title"].split(":")[0] not in ("feat", "fix", "chore", "refactor", "docs") for p in pulls
    )
    runs = Counter(r["name"] for r in rows(out, "workflow_runs"))
    assert runs["CI"] > 0 and runs["Deploy"] > 0
    envs = Counter(d["environment"] for d in rows(out, "deployments"))
    assert envs["production"] > envs["staging"] > 0
    assert any("incident" in i["labels"] for i in rows(out, "issues"))
    statuses = {i["status"] for i in rows(out, "jira_issues")}
    assert "处理中" in statuses and "In Progress" in statuses
    log_types = {e["type"] for i in rows(out, "pd_incidents") for e in i["log_entries"]}
    assert {
        "trigger_log_entry",
        "notify_log_entry",
        "acknowledge_log_entry",
        "resolve_log_entry",
    } <= log_types


def test_deployments_ship_merged_pulls(small: tuple[Path, SimSummary]) -> None:
    out, _ = small
    for pulls_key, deps_key in (("pulls", "deployments"), ("gitlab_mrs", "gitlab_deployments")):
        merged: dict[tuple[str, str], float] = {}
        by_number: dict[tuple[str, int], dict[str, Any]] = {}
        for p in rows(out, pulls_key):
            by_number[(p["repo"], p["number"])] = p
            if p["state"] == "MERGED":
                merged[(p["repo"], p["merge_commit_sha"])] = ts(p["merged_at"])
        deps = list(rows(out, deps_key))
        assert deps
        for d in deps:
            assert (d["repo"], d["sha"]) in merged, d["id"]
            assert merged[(d["repo"], d["sha"])] <= ts(d["created_at"])
        reverts = [p for p in by_number.values() if "reverts" in p]
        for p in reverts:
            original = by_number[(p["repo"], p["reverts"])]
            assert original["state"] == "MERGED"
            assert p["title"] == f'Revert "{original["title"]}"'
    assert any("reverts" in p for p in rows(out, "pulls"))
    deployments = {d["id"]: d for k in ("deployments", "gitlab_deployments") for d in rows(out, k)}
    caused = [i for i in rows(out, "pd_incidents") if "caused_by_deployment" in i]
    assert caused
    for inc in caused:
        dep = deployments[inc["caused_by_deployment"]]
        assert dep["environment"] == "production" and dep["created_at"] < inc["created_at"]


# --- planted phenomena, visible in the raw data ----------------------------------------


def _work_hours(a: float, b: float, tz: str) -> float:
    """Working hours (Mon-Fri 09-17 in `tz`) between two instants: the default clock."""
    zone = ZoneInfo(tz)
    start, stop = datetime.fromtimestamp(a, zone), datetime.fromtimestamp(b, zone)
    total, day = 0.0, start.date()
    while day <= stop.date():
        if day.weekday() < 5:
            lo = max(start, datetime(day.year, day.month, day.day, 9, tzinfo=zone))
            hi = min(stop, datetime(day.year, day.month, day.day, 17, tzinfo=zone))
            total += max(0.0, (hi - lo).total_seconds())
        day += timedelta(days=1)
    return total / 3600


def _pickups(out: Path) -> dict[str, list[tuple[float, float]]]:
    """Per team: (ready instant, working hours to the first review by another human)."""
    owner, robots = team_of_repo(out), bots(out)
    tz = {t["slug"]: t["tz"] for t in org(out)["teams"]}
    result: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for key in ("pulls", "gitlab_mrs"):
        for p in rows(out, key):
            if p["author"] in robots or "reverts" in p:
                continue
            ready = ts(p["created_at"])
            for e in p["timeline"]:
                if e["type"] == "READY_FOR_REVIEW":
                    ready = ts(e["at"])
            firsts = [
                ts(r["submitted_at"])
                for r in p["reviews"]
                if r["author"] not in robots
                and r["author"] != p["author"]
                and ts(r["submitted_at"]) >= ready
            ]
            if firsts:
                team = owner[p["repo"]]
                result[team].append((ready, _work_hours(ready, min(firsts), tz[team])))
    return result


def test_review_bottleneck_team_b_slower_than_peers(small: tuple[Path, SimSummary]) -> None:
    pickups = _pickups(small[0])
    med = {t: statistics.median(h for _, h in pickups[t]) for t in ("team-a", "team-b", "team-c")}
    assert med["team-b"] > 1.2 * med["team-a"]
    assert med["team-b"] > 1.2 * med["team-c"]
    assert 0.8 < med["team-a"] / med["team-c"] < 1.25  # the peers are alike


def test_process_change_drops_pickup(small: tuple[Path, SimSummary]) -> None:
    out, _ = small
    truth = {p["kind"]: p for p in json.loads((out / "ground_truth.json").read_text())}
    change = truth["process_change"]
    week = change["first_week"]
    cut = datetime.fromisoformat(
        date.fromisocalendar(int(week[:4]), int(week[6:]), 1).isoformat() + "T00:00:00+00:00"
    ).timestamp()
    waits = _pickups(out)[change["team"]]
    before = statistics.median(h for r, h in waits if r < cut)
    after = statistics.median(h for r, h in waits if r >= cut)
    assert after < 0.6 * before


def _top2_share(out: Path) -> dict[str, float]:
    owner, robots = team_of_repo(out), bots(out)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for key in ("pulls", "gitlab_mrs"):
        for p in rows(out, key):
            for r in p["reviews"]:
                if r["author"] not in robots:
                    counts[owner[p["repo"]]][r["author"]] += 1
    return {t: sum(n for _, n in c.most_common(2)) / sum(c.values()) for t, c in counts.items()}


def test_review_load_concentration_visible(small: tuple[Path, SimSummary]) -> None:
    out, _ = small
    truth = {p["kind"]: p["team"] for p in json.loads((out / "ground_truth.json").read_text())}
    share = _top2_share(out)
    assert share[truth["review_load_concentration"]] > 0.7
    assert share[truth["healthy"]] < 0.55


def test_after_hours_creep_visible(small: tuple[Path, SimSummary]) -> None:
    out, _ = small
    truth = {p["kind"]: p["team"] for p in json.loads((out / "ground_truth.json").read_text())}
    owner, t0 = team_of_repo(out), ts(org(out)["start"] + "T00:00:00Z")
    tally: dict[tuple[str, bool], list[int]] = defaultdict(lambda: [0, 0])
    for key in ("pulls", "gitlab_mrs"):
        for p in rows(out, key):
            for c in p["commits"]:
                local = datetime.fromisoformat(c["authored_at"])
                late = ts(c["committed_at"]) - t0 > (WEEKS - 4) * 7 * 86400
                early = ts(c["committed_at"]) - t0 < 4 * 7 * 86400
                if not (late or early) or c["author"].endswith("[bot]"):
                    continue
                after = local.weekday() >= 5 or not 8 <= local.hour < 18
                cell = tally[(owner[p["repo"]], late)]
                cell[0] += after
                cell[1] += 1

    def share(team: str, late: bool) -> float:
        after, total = tally[(team, late)]
        return after / total

    creep, healthy = truth["after_hours_creep"], truth["healthy"]
    assert share(creep, True) > 2 * share(creep, False)
    assert share(creep, True) > 0.15
    assert share(healthy, True) < 0.1


def test_cfr_batching_visible(small: tuple[Path, SimSummary]) -> None:
    out, _ = small
    plant = next(
        p
        for p in json.loads((out / "ground_truth.json").read_text())
        if p["kind"] == "cfr_batching"
    )
    week = plant["first_week"]
    cut = datetime.fromisoformat(
        date.fromisocalendar(int(week[:4]), int(week[6:]), 1).isoformat() + "T00:00:00+00:00"
    ).timestamp()
    owner = team_of_repo(out)
    t0, end = ts(org(out)["start"] + "T00:00:00Z"), ts(org(out)["end"])
    n = {False: 0, True: 0}
    for key in ("deployments", "gitlab_deployments"):
        for d in rows(out, key):
            ok = d["statuses"][-1]["state"] == "success" and d["environment"] == "production"
            if ok and owner[d["repo"]] == plant["team"]:
                n[ts(d["created_at"]) >= cut] += 1
    per_week_before = n[False] / ((cut - t0) / (7 * 86400))
    per_week_after = n[True] / ((end - cut) / (7 * 86400))
    assert per_week_after < 0.5 * per_week_before


def test_stalled_prs_visible(small: tuple[Path, SimSummary]) -> None:
    out, _ = small
    truth = {p["kind"]: p["team"] for p in json.loads((out / "ground_truth.json").read_text())}
    owner, robots, end = team_of_repo(out), bots(out), ts(org(out)["end"])
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key in ("pulls", "gitlab_mrs"):
        for p in rows(out, key):
            if p["author"] in robots:
                continue
            firsts = [ts(r["submitted_at"]) for r in p["reviews"] if r["author"] not in robots]
            stop = min(firsts) if firsts else ts(p["closed_at"]) if p["closed_at"] else end
            waited = stop - ts(p["created_at"])
            cell = tally[owner[p["repo"]]]
            cell[0] += waited > 5 * 86400
            cell[1] += 1
    share = {t: s / n for t, (s, n) in tally.items()}
    stalled = share.pop(truth["stalled_prs"])
    assert stalled > 0.2
    assert stalled > 2 * max(share.values())
    assert stalled > 3 * statistics.median(share.values())
