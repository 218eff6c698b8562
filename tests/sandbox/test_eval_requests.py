"""Evaluation worlds request reviewers as GitHub PRs do, and adding those requests left every
other record as it was: detector evaluations on the same seeds stay valid."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sandbox.sim import evalreview, simulate

SEED, TEAMS, WEEKS = 4, 4, 8


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _at(s: str) -> float:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC).timestamp()


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same world with the requests and with `request_reviews` doing nothing."""
    root = tmp_path_factory.mktemp("eval-requests")
    simulate(root / "with", seed=SEED, teams=TEAMS, weeks=WEEKS, profile="eval")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(evalreview, "request_reviews", lambda *args: None)
        simulate(root / "without", seed=SEED, teams=TEAMS, weeks=WEEKS, profile="eval")
    return root / "with", root / "without"


def test_only_the_requests_were_added(worlds: tuple[Path, Path]) -> None:
    new, old = worlds
    files = sorted(p.relative_to(new) for p in new.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(old) for p in old.rglob("*") if p.is_file())
    pulls = Path("github/pulls.jsonl")
    for rel in files:
        if rel != pulls:
            assert (new / rel).read_bytes() == (old / rel).read_bytes(), rel
    added = 0
    for a, b in zip(_lines(old / pulls), _lines(new / pulls), strict=True):
        extra = [e for e in b["timeline"] if e not in a["timeline"]]
        assert [e for e in b["timeline"] if e not in extra] == a["timeline"]
        assert all(e["type"] == "REVIEW_REQUESTED" for e in extra)
        added += len(extra)
        # GitHub moves updated_at with any event: the request may be the latest
        if a["updated_at"] != b["updated_at"]:
            assert b["updated_at"] in {e["at"] for e in extra}
        assert {**a, "updated_at": 0} == {**b, "timeline": a["timeline"], "updated_at": 0}
    assert added > 1000


def test_the_first_reviewer_is_asked_at_ready_a_second_after_the_first_review(
    worlds: tuple[Path, Path],
) -> None:
    """The author asks the reviewer who will give the first review 5 s after ready; a
    second reviewer only once that review is in (this simulator's second reviewers never
    review first)."""
    new, _ = worlds
    end = _at(json.loads((new / "org.json").read_text())["end"])
    pulls = {(p["repo"], p["number"]): p for p in _lines(new / "github" / "pulls.jsonl")}
    truths = _lines(new / "eval" / "prs.jsonl")
    seconds = 0
    for t in truths:
        if t["ready"] + 5 > end:
            continue
        timeline = pulls[t["repo"], t["number"]]["timeline"]
        requests = [(_at(e["at"]), e) for e in timeline if e["type"] == "REVIEW_REQUESTED"]
        assert {e["actor"] for _, e in requests} == {t["author"]}
        first = [e["reviewer"] for at, e in requests if abs(at - t["ready"] - 5) < 1.5]
        assert first == [t["reviewer"]]
        later = [(at, e["reviewer"]) for at, e in requests if e["reviewer"] != t["reviewer"]]
        for at, who in later:
            assert t["first_review"] is not None and abs(at - t["first_review"] - 5) < 1.5
            assert who != t["author"]
        seconds += len(later)
    assert seconds > 0.2 * len(truths)
