"""Registry, weekly series, baselines and trends, provenance in to_json."""

from __future__ import annotations

from datetime import timedelta

import pytest

from analytics.context import RepoInfo, Thresholds
from analytics.engine import METRICS, evaluate, evaluate_weekly, resolve
from analytics.names import suggest
from tests.analytics.helpers import deploy, frames, org, team, utc

AS_OF = utc(2026, 11, 25, 12)  # Wednesday of ISO week 48


def _deploys_per_week(counts):
    """`counts[i]` deployments in the i-th week before the week of AS_OF (most recent last)."""
    rows = []
    for i, c in enumerate(reversed(counts)):
        monday = utc(2026, 11, 16, 10) - timedelta(weeks=i)
        rows += [deploy(f"d{i}-{k}", monday + timedelta(hours=k * 25)) for k in range(c)]
    return rows


def test_registry_has_the_required_ids_and_resolves_aliases():
    required = {
        "review-time",
        "lead-time",
        "deploy-frequency",
        "cfr",
        "recovery-time",
        "cycle-time",
        "throughput",
        "pr-size",
        "wip",
        "after-hours",
        "review-load",
        "work-mix",
    }
    assert required <= set(METRICS)
    assert resolve("MTTR").id == "recovery-time"
    assert resolve("Review Time").id == "review-time"
    with pytest.raises(KeyError, match="did you mean 'review-time'"):
        resolve("reveiw-time")
    assert suggest("team-bb", ["team-a", "team-b"]) == "team-b"
    assert suggest("zzz", ["team-a"]) is None
    assert all(s.definition and s.unit for s in METRICS.values())
    assert {s.id for s in METRICS.values() if s.people_based} >= {"after-hours", "review-load"}


def test_unknown_team_gets_a_suggestion():
    with pytest.raises(KeyError, match="did you mean 'team-a'"):
        org().team("team-aa")


def test_weekly_series_with_empty_weeks_baseline_and_trend():
    counts = [2] * 12 + [0, 4]  # 12 baseline weeks of 2, an empty week, then a busy week
    f = frames(deployments=_deploys_per_week(counts))
    series = evaluate_weekly(
        metric="deploy-frequency", frames=f, org=org(), teams=["team-a"], weeks=2, as_of=AS_OF
    )["team-a"]
    empty, busy = series
    assert (empty.value, empty.n) == (0.0, 0)
    assert empty.baseline == 2 and empty.trend.direction == "down"
    assert empty.trend.improving is False
    assert busy.value == 4 and busy.breakdown["days_with_deploy"] == 4
    assert busy.trend.relative_change == pytest.approx(1.0) and busy.trend.improving is True
    assert busy.tier == "high"
    assert busy.period_start == utc(2026, 11, 16) and busy.period_end == utc(2026, 11, 23)


def test_weeks_follow_the_team_time_zone():
    tokyo = team(tz="Asia/Tokyo")
    # Sunday 2026-11-22 16:00 UTC is Monday 01:00 in Tokyo: the next ISO week there
    f = frames(deployments=[deploy("d", utc(2026, 11, 22, 16))])
    (week,) = evaluate_weekly(
        metric="deploy-frequency",
        frames=f,
        org=org(tokyo),
        teams=None,
        weeks=1,
        as_of=utc(2026, 11, 25),
    )["team-a"]
    assert week.value == 0  # the week 2026-11-16..23 in Tokyo ended before the deployment
    v = evaluate(
        metric="deploy-frequency",
        frames=f,
        org=org(tokyo),
        team="team-a",
        start=utc(2026, 11, 22, 15),
        end=utc(2026, 11, 23, 15),
        as_of=utc(2026, 11, 25),
    )
    assert v.n == 1 and v.value == pytest.approx(7.0)


def test_annotated_weeks_are_left_out_of_the_baseline():
    counts = [2] * 12 + [2]
    rows = _deploys_per_week(counts)
    f = frames(
        deployments=rows,
        annotations=[
            {
                "team_slug": "team-a",
                "starts_at": utc(2026, 8, 1),
                "ends_at": utc(2026, 11, 1),
                "note": "security training",
                "exclude_from_baseline": True,
            }
        ],
    )
    (week,) = evaluate_weekly(
        metric="deploy-frequency", frames=f, org=org(), teams=None, weeks=1, as_of=AS_OF
    )["team-a"]
    assert week.exclusions["annotated weeks left out of the baseline"] >= 8
    assert week.baseline is None  # fewer than 4 weeks remain


def test_to_json_carries_provenance():
    f = frames(deployments=_deploys_per_week([1] * 13))
    v = evaluate(
        metric="deploy-frequency",
        frames=f,
        org=org(),
        team="team-a",
        start=utc(2026, 11, 16),
        end=utc(2026, 11, 23),
        as_of=AS_OF,
    )
    j = v.to_json()
    for key in (
        "metric",
        "team",
        "period",
        "value",
        "unit",
        "n",
        "baseline",
        "trend",
        "definition",
        "ownership",
        "exclusions",
        "tier",
        "withheld_reason",
    ):
        assert key in j
    assert j["period"] == {"start": "2026-11-16T00:00:00+00:00", "end": "2026-11-23T00:00:00+00:00"}
    assert j["trend"]["direction"] == "flat"
    assert "owned service" in j["ownership"]


def test_ownership_monorepo_prefix_service_and_repository():
    a = team(
        "team-a", services=("api",), repos=(RepoInfo("org/mono", path_prefixes=("svc/pay/",)),)
    )
    b = team("team-b", members=("x1",), services=(), repos=(RepoInfo("org/web"),))
    o = org(a, b)
    f = frames(
        deployments=[
            deploy("d1", utc(2026, 11, 24), repo="org/mono", service="pay"),  # path prefix -> a
            deploy(
                "d2", utc(2026, 11, 24), repo="org/web", service="api"
            ),  # service beats repo -> a
            deploy("d3", utc(2026, 11, 24), repo="org/web", service=None),  # repository -> b
            deploy("d4", utc(2026, 11, 24), repo="org/mono", service="other"),  # nobody
        ]
    )
    va = evaluate(
        metric="deploy-frequency",
        frames=f,
        org=o,
        team="team-a",
        start=utc(2026, 11, 23),
        end=utc(2026, 11, 30),
        as_of=AS_OF,
    )
    vb = evaluate(
        metric="deploy-frequency",
        frames=f,
        org=o,
        team="team-b",
        start=utc(2026, 11, 23),
        end=utc(2026, 11, 30),
        as_of=AS_OF,
    )
    assert va.n == 2 and va.ownership_counts == {"path-prefix": 1, "service": 1}
    assert vb.n == 1 and vb.ownership_counts == {"repository": 1}


def test_context_validation():
    with pytest.raises(ValueError):
        Thresholds(pr_size_buckets=(200, 50))
    with pytest.raises(ValueError):
        team(tz="Mars/Olympus")
    with pytest.raises(ValueError):
        evaluate(
            metric="cfr",
            frames={},
            org=org(),
            team="team-a",
            start=utc(2026, 1, 1).replace(tzinfo=None),
            end=AS_OF,
            as_of=AS_OF,
        )
