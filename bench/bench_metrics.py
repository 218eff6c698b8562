"""Benchmark of the metrics engine on a large synthetic org stored in SQLite.

    python bench/bench_metrics.py                 # ~1M PRs, 200 teams, 2 years (cached DB)
    python bench/bench_metrics.py --prs 100000 --teams 20 --runs 3

Targets: every metric for every team over two years (`compute_all`, 104 weekly values each)
in <= 30 s and <= 4 GB RSS; one team's metric from the store (`compute_metric`, one week
plus its 12-week baseline) in <= 200 ms, timed on the first ask for that team (after another
team warmed imports) and on asking again (the work-type model is then cached). Rows are
generated straight into a SQLite store (the simulator speaks HTTP to ingest, far too slow
for a million PRs); the generator is
seeded, so runs compare. Each measurement runs in a child process so peak RSS is its own;
figures are medians of `--runs` runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "America/Los_Angeles", "UTC"]
END = datetime(2026, 11, 25, 12, tzinfo=UTC)
WEEKS = 104
_FMT = "%Y-%m-%d %H:%M:%S.%f"


def _org(teams: int, members: int) -> list[dict]:
    return [
        {
            "slug": f"team-{t:03d}",
            "tz": ZONES[t % len(ZONES)],
            "members": [f"p{t:03d}{m:02d}" for m in range(members)],
            "repos": [f"org/repo-{t:03d}-{r}" for r in range(2)],
            "service": f"svc-{t:03d}",
            "project": f"P{t:03d}",
        }
        for t in range(teams)
    ]


def _ts(ns: np.ndarray) -> list[str | None]:
    """SQLAlchemy's SQLite DateTime text for UTC nanoseconds (NaT -> None)."""
    out = np.datetime_as_string(ns.astype("datetime64[us]"), unit="us")
    return [None if s == "NaT" else s.replace("T", " ") for s in out.tolist()]


def generate(path: Path, n_prs: int, n_teams: int, seed: int = 7) -> None:
    """Write a synthetic org into a fresh SQLite store at `path`."""
    import sqlite3

    from sqlalchemy import create_engine

    from store.models import Base

    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    rng = np.random.default_rng(seed)
    org = _org(n_teams, 8)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    start_ns = np.datetime64(END.replace(tzinfo=None) - timedelta(weeks=WEEKS + 16), "ns")
    span = int((WEEKS + 16) * 7 * 86400e9)
    h = 3600e9
    team_of = rng.integers(0, n_teams, n_prs)
    member = rng.integers(0, 8, n_prs)
    repo_ix = rng.integers(0, 2, n_prs)
    created = start_ns + rng.integers(0, span, n_prs).astype("timedelta64[ns]")
    first_commit = created - (rng.exponential(8, n_prs) * h).astype("timedelta64[ns]")
    draft = rng.random(n_prs) < 0.2
    ready = np.where(
        draft,
        created + (rng.exponential(5, n_prs) * h).astype("timedelta64[ns]"),
        np.datetime64("NaT"),
    )
    ready_eff = np.where(draft, ready, created)
    first_rev = ready_eff + (rng.exponential(6, n_prs) * h).astype("timedelta64[ns]")
    changes = rng.random(n_prs) < 0.15
    approve = first_rev + (rng.exponential(3, n_prs) * h).astype("timedelta64[ns]")
    merged_flag = rng.random(n_prs) < 0.9
    merged = approve + (rng.exponential(1, n_prs) * h).astype("timedelta64[ns]")
    end_ns = np.datetime64(END.replace(tzinfo=None), "ns")
    merged_flag &= merged < end_ns
    closed_flag = ~merged_flag & (rng.random(n_prs) < 0.5) & (merged < end_ns)
    merged_at = np.where(merged_flag, merged, np.datetime64("NaT"))
    closed_at = np.where(merged_flag | closed_flag, merged, np.datetime64("NaT"))
    adds = rng.lognormal(4, 1.2, n_prs).astype(int)
    dels = (adds * rng.random(n_prs)).astype(int)
    prefixes = np.array(["feat", "fix", "refactor", "ci", "chore", "update"])
    kinds = rng.integers(0, len(prefixes), n_prs)
    titles = [
        f"{prefixes[k]}: change {i}" if k < 5 else f"update module {i % 97}"
        for i, k in enumerate(kinds)
    ]
    authors = [org[t]["members"][m] for t, m in zip(team_of, member, strict=True)]
    repos = [org[t]["repos"][r] for t, r in zip(team_of, repo_ix, strict=True)]
    numbers = np.arange(1, n_prs + 1)
    state = np.where(merged_flag, "merged", np.where(closed_flag, "closed", "open"))
    c_s, r_s, fc_s, m_s, cl_s = (
        _ts(x) for x in (created, ready, first_commit, merged_at, closed_at)
    )
    con.executemany(
        "INSERT INTO pull_requests (source, repo, number, title, author_key, author_is_bot,"
        " state, is_draft, created_at, ready_at, first_commit_at, merged_at, closed_at,"
        " updated_at, merge_commit_sha, additions, deletions, changed_files, commit_count,"
        " labels, head_ref) VALUES ('github',?,?,?,?,0,?,0,?,?,?,?,?,?,?,?,?,1,2,'[]',?)",
        zip(
            repos,
            numbers.tolist(),
            titles,
            authors,
            state.tolist(),
            c_s,
            r_s,
            fc_s,
            m_s,
            cl_s,
            c_s,
            [f"m{i}" for i in numbers.tolist()],
            adds.tolist(),
            dels.tolist(),
            [f"topic/{i}" for i in numbers.tolist()],
            strict=True,
        ),
    )
    # reviews: first review, optional changes requested, approval (by a teammate)
    rev_rows = []
    reviewer = (member + 1 + rng.integers(0, 7, n_prs)) % 8
    fr_s, ap_s = _ts(first_rev), _ts(approve)
    for i in range(n_prs):
        who = org[team_of[i]]["members"][reviewer[i]]
        if first_rev[i] < end_ns:
            state_i = "CHANGES_REQUESTED" if changes[i] else "COMMENTED"
            rev_rows.append((repos[i], int(numbers[i]), f"r{i}a", who, state_i, fr_s[i]))
        if approve[i] < end_ns:
            rev_rows.append((repos[i], int(numbers[i]), f"r{i}b", who, "APPROVED", ap_s[i]))
    con.executemany(
        "INSERT INTO reviews (source, repo, pr_number, external_id, reviewer_key,"
        " reviewer_is_bot, state, submitted_at, submitted_utc_offset_min)"
        " VALUES ('github',?,?,?,?,0,?,?,NULL)",
        rev_rows,
    )
    del rev_rows
    # commits: two per PR, the second halfway to the first review
    second = first_commit + (first_rev - first_commit) / 2
    offsets = [None if t % 3 else 60 * (t % 5 - 2) for t in team_of.tolist()]
    com_rows = []
    for sha_suffix, when in (("a", _ts(first_commit)), ("b", _ts(second))):
        com_rows += list(
            zip(
                repos,
                numbers.tolist(),
                [f"c{i}{sha_suffix}" for i in range(n_prs)],
                authors,
                when,
                offsets,
                strict=True,
            )
        )
    con.executemany(
        "INSERT INTO commits (source, repo, pr_number, sha, author_key, author_is_bot,"
        " authored_at, author_utc_offset_min, additions, deletions, subject)"
        " VALUES ('github',?,?,?,?,0,?,?,0,0,'')",
        com_rows,
    )
    del com_rows
    # deployments: each repo deploys daily what has been merged so far (exact SHAs)
    order = np.argsort(merged_at)
    dep_rows = []
    inc_rows = []
    page_rows = []
    days = (WEEKS + 16) * 7
    by_repo: dict[str, list[int]] = {}
    for i in order[: int(merged_flag.sum())]:
        by_repo.setdefault(repos[i], []).append(int(i))
    for repo, idx in by_repo.items():
        t = int(repo.split("-")[1])
        m_times = merged_at[idx]
        for d in range(days):
            dep_at = start_ns + np.timedelta64(int((d + 0.7) * 86400e9), "ns")
            k = int(np.searchsorted(m_times, dep_at)) - 1
            sha = f"m{numbers[idx[k]]}" if k >= 0 else None
            dep_rows.append(
                (
                    f"{repo}-{d}",
                    repo,
                    org[t]["service"],
                    "production",
                    sha,
                    str(dep_at).replace("T", " ")[:26],
                )
            )
    con.executemany(
        "INSERT INTO deployments (source, external_id, repo, service, environment, sha, status,"
        " created_at, finished_at) VALUES ('github',?,?,?,?,?,'success',?,?)",
        [(*r[:5], r[5], r[5]) for r in dep_rows],
    )
    n_inc = n_teams * WEEKS // 2
    inc_team = rng.integers(0, n_teams, n_inc)
    inc_start = start_ns + rng.integers(0, span, n_inc).astype("timedelta64[ns]")
    inc_end = inc_start + (rng.exponential(3, n_inc) * h).astype("timedelta64[ns]")
    s_s, e_s = _ts(inc_start), _ts(inc_end)
    for k in range(n_inc):
        t = int(inc_team[k])
        inc_rows.append((f"i{k}", org[t]["service"], s_s[k], e_s[k]))
        page_rows.append((f"pg{k}", f"i{k}", org[t]["members"][k % 8], s_s[k]))
    con.executemany(
        "INSERT INTO incidents (source, external_id, service, title, started_at, resolved_at)"
        " VALUES ('pagerduty',?,?,'',?,?)",
        inc_rows,
    )
    con.executemany(
        "INSERT INTO pages (source, external_id, incident_external_id, responder_key, at)"
        " VALUES ('pagerduty',?,?,?,?)",
        page_rows,
    )
    # work items with three transitions each
    n_items = n_prs // 5
    it_team = rng.integers(0, n_teams, n_items)
    it_created = start_ns + rng.integers(0, span, n_items).astype("timedelta64[ns]")
    it_start = it_created + (rng.exponential(48, n_items) * h).astype("timedelta64[ns]")
    it_done = it_start + (rng.exponential(72, n_items) * h).astype("timedelta64[ns]")
    done = it_done < end_ns
    ic, ist, idn = (
        _ts(it_created),
        _ts(it_start),
        _ts(np.where(done, it_done, np.datetime64("NaT"))),
    )
    types = np.array(["Story", "Bug", "Task"])[rng.integers(0, 3, n_items)]
    con.executemany(
        "INSERT INTO work_items (source, external_id, key, project, title, item_type, labels,"
        " status, status_category, created_at, updated_at, resolved_at)"
        " VALUES ('jira',?,?,?,?,?,'[]',?,?,?,?,?)",
        [
            (
                str(k),
                f"{org[int(t)]['project']}-{k}",
                org[int(t)]["project"],
                f"item {k}",
                types[k],
                "Done" if done[k] else "In Progress",
                "done" if done[k] else "indeterminate",
                ic[k],
                idn[k] or ist[k],
                idn[k],
            )
            for k, t in enumerate(it_team)
        ],
    )
    tr_rows = []
    for k in range(n_items):
        tr_rows.append((str(k), ist[k], "To Do", "In Progress", "new", "indeterminate"))
        if done[k]:
            tr_rows.append((str(k), idn[k], "In Progress", "Done", "indeterminate", "done"))
    con.executemany(
        "INSERT INTO work_item_transitions (source, item_external_id, at, from_status,"
        " to_status, from_category, to_category) VALUES ('jira',?,?,?,?,?,?)",
        tr_rows,
    )
    people = [
        (m, 0, org[t]["tz"] if m.endswith("0") else None)
        for t in range(n_teams)
        for m in org[t]["members"]
    ]
    con.executemany("INSERT INTO people (key, is_bot, tz) VALUES (?,?,?)", people)
    con.commit()
    con.close()


def org_context(n_teams: int):
    from analytics.calendar import WorkCalendar
    from analytics.context import OrgContext, RepoInfo, TeamContext

    return OrgContext(
        teams=tuple(
            TeamContext(
                slug=o["slug"],
                calendar=WorkCalendar(o["tz"]),
                member_keys=frozenset(o["members"]),
                repos=tuple(RepoInfo(r) for r in o["repos"]),
                services=(o["service"],),
                jira_projects=(o["project"],),
            )
            for o in _org(n_teams, 8)
        )
    )


def peak_rss_mb() -> float:
    """This process's own peak RSS in MiB. Linux keeps `ru_maxrss` across fork and exec, so a
    child started by a big parent would report the parent's size; VmHWM belongs to the
    process's own memory map, made new by exec."""
    import resource

    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def store_for(prs: int, teams: int, db: Path | None = None) -> Path:
    """The generated store for `prs` and `teams`, cached (the generator is seeded)."""
    db = db or Path(f"/tmp/metrics_bench_{prs}_{teams}.db")
    if not db.exists():
        t = time.perf_counter()
        tmp = db.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        generate(tmp, prs, teams)
        tmp.rename(db)
        print(f"generated {db} in {time.perf_counter() - t:.0f} s", flush=True)
    return db


_CHILD = """
import json, sys, time
from datetime import timedelta
sys.path.insert(0, {root!r})
from bench.bench_metrics import END, WEEKS, org_context, peak_rss_mb
from analytics.engine import METRICS, compute_all, compute_metric
from store.db import make_engine
engine = make_engine({url!r})
org = org_context({teams})
mode = {mode!r}
t0 = time.perf_counter()
if mode == "all":  # cold: every week computed (kept answers not read)
    out = compute_all(engine=engine, org=org, as_of=END, weeks=WEEKS, use_kept=False)
    values = sum(len(s) for m in out.values() for s in m.values())
    extra = {{"values": values}}
elif mode == "keep":  # incremental: a refresh keeping every week, then an idle refresh
    from analytics.refresh import refresh
    with engine.begin() as conn:  # a cached store: start from nothing kept
        conn.exec_driver_sql("DELETE FROM kept_weeks")
        conn.exec_driver_sql("DELETE FROM analytics_marks")
    t0 = time.perf_counter()
    done = refresh(engine=engine, org=org, as_of=END, weeks=WEEKS)
    refresh_s = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    idle = refresh(engine=engine, org=org, as_of=END, weeks=WEEKS)
    extra = {{"refresh_s": refresh_s, "kept": done.kept,
              "idle_weeks": idle.weeks + idle.model_weeks,
              "idle_refresh_cpu_s": time.process_time() - c0}}
elif mode == "warm":  # compute_all reading the answers "keep" kept (its own process: RSS)
    c0 = time.process_time()
    out = compute_all(engine=engine, org=org, as_of=END, weeks=WEEKS)
    values = sum(len(s) for m in out.values() for s in m.values())
    extra = {{"values": values, "cpu_seconds": time.process_time() - c0}}
else:
    from analytics.calendar import week_start, shift_weeks
    def week(team):
        end = week_start(END, team.tz)
        return {{"start": shift_weeks(end, -1, team.tz), "end": end}}
    def ask(team, metric):
        w = week(team)
        compute_metric(engine=engine, org=org, team=team.slug, metric=metric, as_of=END, **w)
    other = org.teams[5]  # warms imports and statement caches, not this team's answers
    for metric in METRICS:
        ask(other, metric)
    team = org.teams[3]
    first, times = {{}}, {{}}
    for metric in METRICS:
        t = time.perf_counter()
        ask(team, metric)  # first ask
        first[metric] = round((time.perf_counter() - t) * 1000, 1)
        t = time.perf_counter()
        ask(team, metric)  # asked again
        times[metric] = round((time.perf_counter() - t) * 1000, 1)
    extra = {{"ms": times, "first_ms": first}}
seconds = time.perf_counter() - t0
rss = peak_rss_mb()
print(json.dumps({{"seconds": seconds, "rss_mb": rss, **extra}}))
"""


def run(mode: str, db: Path | str, teams: int) -> dict:
    """One measurement in a fresh child process ("all", "keep" then "warm", or "one");
    `db`: a SQLite file or a database URL holding the same generated org. "seconds" is the
    idle refresh's for "keep" (the first, keeping everything, is "refresh_s")."""
    root = str(Path(__file__).resolve().parent.parent)
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    code = _CHILD.format(root=root, url=url, teams=teams, mode=mode)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prs", type=int, default=1_000_000)
    ap.add_argument("--teams", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--db", type=Path, default=None)
    args = ap.parse_args()
    db = store_for(args.prs, args.teams, args.db)
    alls = [run("all", db, args.teams) for _ in range(args.runs)]
    ones = [run("one", db, args.teams) for _ in range(args.runs)]
    per_metric = {m: statistics.median(r["ms"][m] for r in ones) for m in ones[0]["ms"]}
    first = {m: statistics.median(r["first_ms"][m] for r in ones) for m in ones[0]["first_ms"]}
    report = {
        "prs": args.prs,
        "teams": args.teams,
        "compute_all_seconds_median": round(statistics.median(r["seconds"] for r in alls), 2),
        "compute_all_rss_mb_median": round(statistics.median(r["rss_mb"] for r in alls)),
        "weekly_values": alls[0]["values"],
        "compute_all_seconds_runs": [round(r["seconds"], 1) for r in alls],
        "compute_metric_first_ms_median": first,
        "compute_metric_first_ms_worst": max(first.values()),
        "compute_metric_again_ms_median": per_metric,
        "compute_metric_again_ms_worst": max(per_metric.values()),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
