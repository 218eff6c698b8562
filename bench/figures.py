"""The figures `metrics-bot bench` writes: one dict per figure, each with its target, the
baseline measured in the same run, their ratio, and the machine it was measured on.

A target carries the scale it is stated for (`target_scale`): issue 20 states the analytics,
slash and digest targets for the large org (1M PRs); a smaller run shows the target but does
not judge it (`met` is None). Per-PR and per-repository targets hold at every scale.
"""

from __future__ import annotations

import math
import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Figure = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """What a figure should reach: `value` in `unit`, judged at `scale` (None: any scale)."""

    unit: str
    value: float | None
    better: str  # "lower" or "higher"
    scale: str | None = None
    note: str = ""


# The issue states no target for these two; the target is then the baseline of the same run
# (value None here): no slower, no bigger than the script a team would write by hand.
TARGETS: dict[str, Target] = {
    "ingest.requests_per_pr.github": Target("requests", 0.05, "lower"),
    "ingest.requests_per_pr.gitlab": Target("requests", 0.1, "lower"),
    "ingest.prs_per_s": Target("PRs/s", None, "higher", note="at least the baseline's"),
    "ingest.idle_cycle_points_per_repo": Target("points", 2, "lower"),
    "ingest.idle_cycle_s": Target("s", 1, "lower"),
    "analytics.compute_all_s": Target("s", 15, "lower", "large", "at 1M PRs, 200 teams"),
    "analytics.peak_rss_mb": Target("MB", 3000, "lower", "large", "at 1M PRs, 200 teams"),
    "analytics.compute_all_kept_s": Target(
        "s", 15, "lower", "large", "at 1M PRs, 200 teams, answers kept by the last refresh"
    ),
    "analytics.idle_refresh_s": Target("s", 1, "lower", note="the refresh after an idle sync"),
    "slash.ack_p99_ms": Target("ms", 100, "lower", "large", "at the large org"),
    "slash.answer_p99_ms": Target("ms", 300, "lower", "large", "at the large org"),
    "digest.all_teams_s": Target("s", 60, "lower", "large", "at 1M PRs, 200 teams"),
    "store.mb_per_100k_prs": Target("MB", None, "lower", note="at most the baseline's"),
}


def machine() -> dict[str, Any]:
    """Cores, RAM, CPU model, load average and date: read when a part of the suite starts."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            model = next((ln.split(":", 1)[1].strip() for ln in info if "model name" in ln), model)
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else 0
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(ram / 2**30, 1),
        "cpu": model,
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _met(value: float, target: float | None, better: str) -> bool | None:
    if target is None or not math.isfinite(value):
        return None
    return value <= target if better == "lower" else value >= target


def figure(
    name: str,
    value: float,
    baseline: float,
    *,
    how: str,
    baseline_how: str,
    run: dict[str, Any],
) -> Figure:
    """One figure of the run `run` ({scale, store, machine}), judged against its target."""
    spec = TARGETS[name]
    target = spec.value if spec.value is not None else baseline
    judged = spec.scale is None or spec.scale == run["scale"]
    return {
        "name": name,
        "value": round(value, 4),
        "unit": spec.unit,
        "target": round(target, 4),
        "target_scale": spec.scale,
        "target_note": spec.note,
        "better": spec.better,
        "met": _met(value, target, spec.better) if judged else None,
        "baseline": round(baseline, 4),
        "ratio": round(value / baseline, 4) if baseline else None,
        "how": how,
        "baseline_how": baseline_how,
        **run,
    }
