"""An in-memory, queryable view of a world directory (see sandbox/world.py) for the fakes.

The fakes answer many list queries (sorted, filtered, paged) on the same data; loading the
JSON Lines once and caching sorted views per repository keeps each request cheap. Tests and
the sandbox may change the world while it is served (`touch_pull`, `add_pull`): every change
bumps `version`, which drops the cached views.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sandbox.world import (
    WORLD_FILES,
    Deployment,
    Issue,
    Org,
    Person,
    Pull,
    Release,
    Repo,
    WorkflowRun,
)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """All objects of a JSON Lines file; a missing file is an empty list."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def stable_id(text: str, *, digits: int = 9) -> int:
    """A positive integer derived from `text`, the same in every run (for REST ids)."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % (10**digits - 10 ** (digits - 1)) + 10 ** (digits - 1)


def parse_instant(value: str) -> datetime:
    """ISO 8601 with "Z" or an offset -> aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def format_instant(value: datetime) -> str:
    """Aware datetime -> GitHub's UTC form, "2026-01-05T09:00:00Z"."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def group_by_repo(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["repo"]].append(row)
    return dict(grouped)


class WorldIndex:
    """The GitHub side of a world, indexed by repository."""

    def __init__(self, world_dir: Path) -> None:
        self.world_dir = Path(world_dir)
        org_path = self.world_dir / "org.json"
        self.org: Org = cast(Org, json.loads(org_path.read_text(encoding="utf-8")))
        self.people: dict[str, Person] = {p["login"]: p for p in self.org.get("people", [])}
        self.repos: dict[str, Repo] = {r["full_name"]: r for r in self.org.get("repos", [])}
        self.pulls: dict[str, dict[int, Pull]] = defaultdict(dict)
        for row in self._load("pulls"):
            pull = cast(Pull, row)
            self.pulls[pull["repo"]][pull["number"]] = pull
        self.deployments: dict[str, list[Deployment]] = defaultdict(list)
        for row in self._load("deployments"):
            self.deployments[row["repo"]].append(cast(Deployment, row))
        self.workflow_runs: dict[str, list[WorkflowRun]] = defaultdict(list)
        for row in self._load("workflow_runs"):
            self.workflow_runs[row["repo"]].append(cast(WorkflowRun, row))
        self.releases: dict[str, list[Release]] = defaultdict(list)
        for row in self._load("releases"):
            self.releases[row["repo"]].append(cast(Release, row))
        self.issues: dict[str, list[Issue]] = defaultdict(list)
        for row in self._load("issues"):
            self.issues[row["repo"]].append(cast(Issue, row))
        self.version = 0
        self.lock = threading.RLock()
        self._cache: dict[tuple[Any, ...], Any] = {}

    def _load(self, key: str) -> list[dict[str, Any]]:
        return read_jsonl(self.world_dir / WORLD_FILES[key])

    # -- lookups ---------------------------------------------------------------------------

    def has_repo(self, full_name: str) -> bool:
        """GitHub-hosted repositories of the org (GitLab projects are not served here)."""
        repo = self.repos.get(full_name)
        if repo is not None:
            return repo.get("host", "github") == "github"
        return full_name in self.pulls

    def is_bot(self, login: str) -> bool:
        person = self.people.get(login)
        return bool(person["is_bot"]) if person else login.endswith("[bot]")

    def default_branch(self, full_name: str) -> str:
        repo = self.repos.get(full_name)
        return repo["default_branch"] if repo else "main"

    def cached(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        """Memoise `build()` under `key` until the world changes."""
        full_key = (self.version, *key)
        hit = self._cache.get(full_key)
        if hit is None:
            hit = build()
            with self.lock:
                if len(self._cache) > 4096:
                    self._cache.clear()
                self._cache[full_key] = hit
        return hit

    def pulls_sorted(self, repo: str, field: str) -> list[Pull]:
        """PRs of `repo` ascending by `field` then number (callers reverse for DESC)."""

        def build() -> list[Pull]:
            pulls = list(self.pulls.get(repo, {}).values())
            if field == "number":
                return sorted(pulls, key=lambda p: p["number"])
            return sorted(pulls, key=lambda p: (p[field], p["number"]))  # type: ignore[literal-required]

        return cast(list[Pull], self.cached(("pulls", repo, field), build))

    def runs_by_sha(self, repo: str) -> dict[str, list[WorkflowRun]]:
        """Workflow runs of `repo` per head commit, oldest first (a commit's check suites)."""

        def build() -> dict[str, list[WorkflowRun]]:
            out: dict[str, list[WorkflowRun]] = defaultdict(list)
            for run in sorted(
                self.workflow_runs.get(repo, []), key=lambda r: (r["created_at"], r["id"])
            ):
                out[run["head_sha"]].append(run)
            return dict(out)

        return cast(dict[str, list[WorkflowRun]], self.cached(("runs_by_sha", repo), build))

    def deployments_sorted(self, repo: str) -> list[Deployment]:
        """Deployments of `repo` ascending by creation time, then id."""

        def build() -> list[Deployment]:
            rows = self.deployments.get(repo, [])
            return sorted(rows, key=lambda d: (d["created_at"], d["id"]))

        return cast(list[Deployment], self.cached(("deployments", repo), build))

    def pull_by_node_id(self, node_id: str) -> Pull | None:
        """A pull request by its GraphQL id, in any repository."""

        def build() -> dict[str, Pull]:
            return {p["node_id"]: p for rows in self.pulls.values() for p in rows.values()}

        found: dict[str, Pull] = self.cached(("pull_ids",), build)
        return found.get(node_id)

    def deployment_by_node_id(self, node_id: str) -> Deployment | None:
        """A deployment by its GraphQL id, in any repository."""

        def build() -> dict[str, Deployment]:
            return {d["node_id"]: d for rows in self.deployments.values() for d in rows}

        found: dict[str, Deployment] = self.cached(("deployment_ids",), build)
        return found.get(node_id)

    def merged_history(self, repo: str) -> list[Pull]:
        """Merged PRs in the order their (squash) merge commits landed on the default branch."""

        def build() -> list[Pull]:
            merged = [
                p
                for p in self.pulls.get(repo, {}).values()
                if p["merged_at"] and p["merge_commit_sha"]
            ]
            return sorted(merged, key=lambda p: (p["merged_at"], p["number"]))

        return cast(list[Pull], self.cached(("history", repo), build))

    def history_position(self, repo: str) -> dict[str, int]:
        """Merge commit sha -> its index in `merged_history`."""

        def build() -> dict[str, int]:
            return {p["merge_commit_sha"]: i for i, p in enumerate(self.merged_history(repo))}  # type: ignore[misc]

        return cast(dict[str, int], self.cached(("history_pos", repo), build))

    # -- changes ---------------------------------------------------------------------------

    def touch_pull(self, repo: str, number: int, **changes: Any) -> Pull:
        """Apply `changes` to a PR and move its `updated_at` forward (unless given)."""
        with self.lock:
            pull = self.pulls[repo][number]
            updated = dict(pull)
            updated.update(changes)
            if "updated_at" not in changes:
                updated["updated_at"] = _later_than(pull["updated_at"])
            new = cast(Pull, updated)
            self.pulls[repo][number] = new
            self.version += 1
            return new

    def add_pull(self, repo: str, **fields: Any) -> Pull:
        """Add a PR with the next free number; unspecified fields get open-PR defaults."""
        with self.lock:
            existing = self.pulls.get(repo, {})
            number = int(fields.pop("number", max(existing, default=0) + 1))
            now = _later_than(max((p["updated_at"] for p in existing.values()), default=None))
            author = str(fields.get("author", "sim-user"))
            pull: dict[str, Any] = {
                "repo": repo,
                "number": number,
                "id": stable_id(f"pull:{repo}#{number}"),
                "node_id": f"PR_sim{stable_id(f'pull:{repo}#{number}')}",
                "title": f"Change #{number}",
                "body": "",
                "author": author,
                "head_ref": f"feat/change-{number}",
                "base_ref": self.default_branch(repo),
                "created_at": now,
                "updated_at": now,
                "is_draft": False,
                "state": "OPEN",
                "merged_at": None,
                "closed_at": None,
                "merge_commit_sha": None,
                "merged_by": None,
                "additions": 10,
                "deletions": 2,
                "changed_files": 1,
                "labels": [],
                "commits": [],
                "reviews": [],
                "timeline": [],
            }
            pull.update(fields)
            new = cast(Pull, pull)
            self.pulls[repo][number] = new
            self.version += 1
            return new


def _later_than(previous: str | None) -> str:
    """Now (UTC, whole seconds), but at least one second after `previous`."""
    now = datetime.now(UTC).replace(microsecond=0)
    if previous is not None:
        now = max(now, parse_instant(previous) + timedelta(seconds=1))
    return format_instant(now)
