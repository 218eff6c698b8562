"""Streaming JSON Lines output with deterministic bytes and the sort orders of sandbox.world.

Pull requests, deployments, runs, releases and issues are written repository by repository
(repositories in name order), which is their sort order. PagerDuty incidents must be sorted
by time across the whole org, so they go to one spill file per week first and each week is
sorted in memory at the end: memory stays bounded by one week of incidents.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import IO, Any

from sandbox.world import WORLD_FILES


def dumps(obj: Any) -> str:
    """The one serialisation used everywhere: sorted keys, compact, UTF-8 kept as is."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Sink:
    """Open JSONL files of a world directory, with a count of lines per file."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.counts: dict[str, int] = {k: 0 for k in WORLD_FILES}
        self._files: dict[str, IO[str]] = {}
        self._spill_dir = out / ".incidents-spill"
        if self._spill_dir.exists():
            shutil.rmtree(self._spill_dir)
        self._spill_dir.mkdir(parents=True)
        self._spills: dict[int, IO[str]] = {}
        for key, rel in WORLD_FILES.items():
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if key != "pd_incidents":
                self._files[key] = path.open("w", encoding="utf-8", newline="\n")

    def write(self, key: str, obj: Any) -> None:
        self._files[key].write(dumps(obj) + "\n")
        self.counts[key] += 1

    def spill_incident(self, week: int, obj: dict[str, Any]) -> None:
        f = self._spills.get(week)
        if f is None:
            f = (self._spill_dir / f"{week:05d}.jsonl").open("w", encoding="utf-8", newline="\n")
            self._spills[week] = f
        f.write(dumps(obj) + "\n")

    def close(self) -> None:
        """Close every file and write incidents in time order, numbered from 1."""
        for f in self._files.values():
            f.close()
        for f in self._spills.values():
            f.close()
        number = 0
        path = self.out / WORLD_FILES["pd_incidents"]
        with path.open("w", encoding="utf-8", newline="\n") as out:
            for week in sorted(self._spills):
                spill = self._spill_dir / f"{week:05d}.jsonl"
                with spill.open(encoding="utf-8") as f:
                    rows = [json.loads(line) for line in f]
                rows.sort(key=lambda r: (r["created_at"], r["id"]))
                for row in rows:
                    number += 1
                    row["incident_number"] = number
                    out.write(dumps(row) + "\n")
        self.counts["pd_incidents"] = number
        shutil.rmtree(self._spill_dir)
