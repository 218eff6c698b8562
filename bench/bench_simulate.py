"""Time and peak memory of `sandbox.sim.simulate` at each scale.

    python bench/bench_simulate.py                      # small and medium
    python bench/bench_simulate.py --scales small,medium,large
    python bench/bench_simulate.py --scales large --teams 200   # partial run, extrapolated

Each run happens in a child process so its peak RSS is its own (from wait4). A partial run
(`--teams` below the scale's team count) is extrapolated linearly to the full scale: teams are
generated independently, so time and pull request count grow with the number of teams while
memory stays bounded by the largest repository.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = """
import json, sys
from pathlib import Path
from sandbox.sim import simulate
out, scale, teams, weeks = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s = simulate(Path(out), scale=scale, teams=int(teams) if teams != "-" else None, weeks=weeks)
print(json.dumps({"counts": s.counts, "teams": s.teams, "seconds": s.elapsed_seconds}))
"""


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_one(scale: str, teams: int | None, weeks: int) -> dict[str, float | int | str]:
    """Simulate in a child process; return its figures."""
    from sandbox.sim import SCALE_TEAMS

    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory(prefix=f"bench-sim-{scale}-") as tmp:
        out = Path(tmp) / "world"
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(out), scale, str(teams or "-"), str(weeks)],
            stdout=subprocess.PIPE,
            cwd=root,
        )
        assert proc.stdout is not None
        stdout = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"{scale}: simulator failed with exit code {proc.returncode}")
        figures = json.loads(stdout)
        size = _dir_size(out)
        shutil.rmtree(out)
    pulls = figures["counts"]["pulls"] + figures["counts"]["gitlab_mrs"]
    full = SCALE_TEAMS[scale]
    factor = full / figures["teams"]
    return {
        "scale": scale,
        "teams": figures["teams"],
        "pulls": pulls,
        "seconds": round(figures["seconds"], 1),
        "wall_seconds": round(wall, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
        "output_mb": round(size / 2**20, 1),
        "pulls_per_second": round(pulls / figures["seconds"]),
        "full_scale_teams": full,
        "estimated_full_pulls": round(pulls * factor),
        "estimated_full_seconds": round(figures["seconds"] * factor, 1),
        "estimated_full_output_mb": round(size * factor / 2**20),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="small,medium")
    parser.add_argument("--teams", type=int, default=None, help="partial run: this many teams")
    parser.add_argument("--weeks", type=int, default=26)
    args = parser.parse_args(argv)
    header = (
        f"{'scale':<7} {'teams':>5} {'PRs':>9} {'sec':>7} {'RSS MB':>7} {'out MB':>7} "
        f"{'PR/s':>6}   full-scale estimate"
    )
    print(header)
    for scale in args.scales.split(","):
        r = run_one(scale.strip(), args.teams, args.weeks)
        estimate = ""
        if r["teams"] != r["full_scale_teams"]:
            estimate = (
                f"{r['full_scale_teams']} teams: ~{r['estimated_full_pulls']} PRs, "
                f"~{r['estimated_full_seconds']} s, ~{r['estimated_full_output_mb']} MB"
            )
        print(
            f"{r['scale']:<7} {r['teams']:>5} {r['pulls']:>9} {r['seconds']:>7} "
            f"{r['peak_rss_mb']:>7} {r['output_mb']:>7} {r['pulls_per_second']:>6}   {estimate}",
            flush=True,
        )


if __name__ == "__main__":
    main()
