"""A real store for digest tests: the hand-made org of tests/analytics/insights/synth.py
(PRs, reviews, commits) plus deployments of its merged PRs and a few incidents, read by the
real analytics engine through BotDeps.

team-b leaves 40 % of its PRs unreviewed and open (stalled PRs, some open for months);
team-c reviews slowly (3 h against 1.5 h); team-d commits at night more and more. Every
merged PR ships in a deployment of its own at the next 15:00 UTC; team-a had two incidents
in the digest's week, each resolved after three days, and one in its baseline weeks. `fill`
can insert the same rows in another order (`shuffle`): what the digest says must not depend
on it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert

from analytics.context import OrgContext
from bot.config import AppConfig
from bot.slack.deps import BotDeps, default_analytics
from store.models import Commit, Deployment, Incident, Person, PullRequest, Review
from tests.analytics.insights.synth import END, WEEK, Knobs, org, rows
from tests.bot.helpers import make_config, make_deps

KNOBS = Knobs(stall_team="team-b", wait={"team-c": 3.0}, night_team="team-d")
DIGEST_WEEK = WEEK  # 2026-W47, the last full week before END (a Monday)
CLOCK = END + timedelta(hours=8)

CONFIG = "teams:\n" + "".join(
    f"  - slug: {t}\n    name: Team {t[-1].upper()}\n    slack_channel: C0TEAM{t[-1].upper()}001\n"
    f"    tz: UTC\n    repositories: [{{name: acme/{t}-api}}]\n"
    for t in KNOBS.teams
)


def _deployments(prs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One production deployment per merged PR, at the next 15:00 UTC after the merge."""
    out = []
    for pr in prs:
        merged = pr["merged_at"]
        if merged is None:
            continue
        day = merged.replace(hour=15, minute=0, second=0, microsecond=0)
        at = day if day > merged else day + timedelta(days=1)
        out.append(
            {
                "source": "github",
                "external_id": f"dep-{pr['repo']}-{pr['number']}",
                "repo": pr["repo"],
                "environment": "production",
                "sha": pr["merge_commit_sha"],
                "status": "success",
                "created_at": at - timedelta(minutes=10),
                "finished_at": at,
                "url": f"https://github.example/{pr['repo']}/deployments/{pr['number']}",
            }
        )
    return out


def _incidents() -> list[dict[str, Any]]:
    """team-a: two incidents in the digest's week (3 days to resolve), one 5 weeks before."""
    starts = (END - timedelta(days=5), END - timedelta(days=4), END - timedelta(weeks=5))
    return [
        {
            "source": "pagerduty",
            "external_id": f"inc-{i}",
            "repo": "acme/team-a-api",
            "title": f"incident {i}",
            "started_at": start,
            "resolved_at": start + timedelta(days=3 if i < 2 else 0.1),
            "url": f"https://pd.example/incidents/{i}",
        }
        for i, start in enumerate(starts)
    ]


def fill(engine: Engine, *, shuffle: int | None = None) -> None:
    """Write the org's rows; with `shuffle`, each table's rows in a seeded random order."""
    r = rows(KNOBS)
    tables: list[tuple[Any, list[dict[str, Any]]]] = [
        (Person, r["people"]),
        (PullRequest, r["prs"]),
        (Review, [{k: v for k, v in x.items() if k != "pr_author_key"} for x in r["reviews"]]),
        (Commit, r["commits"]),
        (Deployment, _deployments(r["prs"])),
        (Incident, _incidents()),
    ]
    rng = np.random.default_rng(shuffle)
    with engine.begin() as conn:
        for model, table in tables:
            order = rng.permutation(len(table)) if shuffle is not None else range(len(table))
            conn.execute(insert(model), [table[i] for i in order])


def store_org(config: AppConfig) -> OrgContext:
    """The synthetic org (its member keys are the rows' keys) with the config's zones."""
    base = org(KNOBS)
    zones = {t.slug: t.tz for t in config.teams}
    return replace(
        base,
        teams=tuple(
            replace(t, calendar=replace(t.calendar, tz=zones.get(t.slug, "UTC")))
            for t in base.teams
        ),
    )


def real_deps(db_url: str, *, config_text: str = CONFIG, now: datetime = CLOCK) -> BotDeps:
    """BotDeps on the real analytics engine over the store at `db_url` (already filled)."""
    config = make_config(config_text)
    deps = make_deps(db_url, config=config, clock=lambda: now, migrate=False)
    return replace(deps, analytics=default_analytics(), org=store_org(config))
