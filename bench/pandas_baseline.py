"""The analytics baseline: what a team would script by hand with pandas over the same store.

Each question reads the tables it needs whole (`pd.read_sql("SELECT * FROM ...")`) and
computes with pandas, the way a notebook answers "what was our time to first review last
week?". Two questions, the ones issue 20 names: wall-clock time to the first review by
someone other than the author (from ready for review), and lead time (first commit to the
first successful production deployment of the repository at or after the merge; no exact
SHA link, no working hours, no baselines). The engine's figures are set beside these:
`compute_all` (every metric, every team and week) against both questions over every team and
week; one slash answer against one question for one team and week; the digests against two
questions per team.

    python -m bench.pandas_baseline URL ORG.json WEEKS AS_OF   # whole org; prints JSON
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from store.db import make_engine

PRODUCTION = ("production", "prod")


def _dates(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def _teams(org: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(key, team) for team, members in org.items() for key in members]
    return pd.DataFrame(rows, columns=["author_key", "team"]).drop_duplicates("author_key")


def first_review_hours(engine: Engine, org: dict[str, list[str]]) -> pd.DataFrame:
    """Per PR of a team member: team, ready moment, wall-clock hours to the first review."""
    prs = pd.read_sql("SELECT * FROM pull_requests", engine)
    reviews = pd.read_sql("SELECT * FROM reviews", engine)
    prs = _dates(prs, ["created_at", "ready_at"])
    reviews = _dates(reviews, ["submitted_at"])
    prs = prs[~prs["author_is_bot"].astype(bool)].merge(_teams(org), on="author_key")
    prs["ready"] = prs["ready_at"].fillna(prs["created_at"])
    reviews = reviews[~reviews["reviewer_is_bot"].astype(bool)]
    joined = reviews.merge(
        prs[["source", "repo", "number", "author_key", "ready", "team"]],
        left_on=["source", "repo", "pr_number"],
        right_on=["source", "repo", "number"],
    )
    joined = joined[joined["reviewer_key"] != joined["author_key"]]
    first = joined.groupby(["source", "repo", "number", "team", "ready"], as_index=False)[
        "submitted_at"
    ].min()
    first["hours"] = (first["submitted_at"] - first["ready"]).dt.total_seconds() / 3600
    return first.rename(columns={"ready": "at"})[["team", "at", "hours"]]


def lead_time_hours(engine: Engine, org: dict[str, list[str]]) -> pd.DataFrame:
    """Per merged PR of a team member: team, deploy moment, hours from first commit."""
    prs = pd.read_sql("SELECT * FROM pull_requests", engine)
    deploys = pd.read_sql("SELECT * FROM deployments", engine)
    prs = _dates(prs, ["created_at", "first_commit_at", "merged_at"])
    deploys = _dates(deploys, ["created_at", "finished_at"])
    prs = prs[prs["merged_at"].notna() & ~prs["author_is_bot"].astype(bool)]
    prs = prs.merge(_teams(org), on="author_key")
    ok = deploys[deploys["environment"].isin(PRODUCTION) & (deploys["status"] == "success")]
    ok = ok.assign(at=ok["finished_at"].fillna(ok["created_at"]))[["repo", "at"]]
    shipped = pd.merge_asof(
        prs.sort_values("merged_at"),
        ok.dropna().sort_values("at"),
        left_on="merged_at",
        right_on="at",
        by="repo",
        direction="forward",
    ).dropna(subset=["at"])
    start = shipped["first_commit_at"].fillna(shipped["created_at"])
    shipped["hours"] = (shipped["at"] - start).dt.total_seconds() / 3600
    return shipped[["team", "at", "hours"]]


QUESTIONS = {"time_to_first_review": first_review_hours, "lead_time": lead_time_hours}


def answer(
    engine: Engine,
    question: str,
    org: dict[str, list[str]],
    team: str,
    week: tuple[datetime, datetime],
) -> float | None:
    """One question for one team and week, answered the hand-written way (tables read whole)."""
    rows = QUESTIONS[question](engine, {team: org[team]})
    rows = rows[(rows["at"] >= week[0]) & (rows["at"] < week[1])]
    return float(rows["hours"].median()) if len(rows) else None


def whole_org(engine: Engine, org: dict[str, list[str]], weeks: int, as_of: datetime) -> int:
    """Both questions for every team and each of `weeks` weeks; returns the answers made."""
    start = as_of - timedelta(weeks=weeks)
    answers = 0
    for question in QUESTIONS.values():
        rows = question(engine, org)
        rows = rows[(rows["at"] >= start) & (rows["at"] < as_of)]
        week = ((rows["at"] - start) // pd.Timedelta(weeks=1)).astype(int)
        answers += len(rows.groupby([rows["team"], week])["hours"].median())
    return answers


def main(argv: list[str]) -> None:
    """Child process: the whole-org run, timed, with its own peak RSS."""
    url, org_path, weeks, as_of = argv
    org = json.loads(Path(org_path).read_text())
    engine = make_engine(url)
    t0 = time.perf_counter()
    answers = whole_org(engine, org, int(weeks), datetime.fromisoformat(as_of))
    seconds = time.perf_counter() - t0
    from bench.bench_metrics import peak_rss_mb

    rss = peak_rss_mb()
    print(json.dumps({"seconds": seconds, "rss_mb": rss, "answers": answers}))


if __name__ == "__main__":
    main(sys.argv[1:])
