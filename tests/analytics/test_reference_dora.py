"""REFERENCE_CASES §1 (change failure rate), §2 (recovery time), §3 (lead-time stages).

The lead-time cases are one pull request each; they are evaluated with that PR done three
times by three people (`by_three`: same times, so the same medians), since a figure of one
person's PR is withheld by the work floor (docs/metrics.md, privacy guard)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from analytics.engine import evaluate
from analytics.metrics import dora
from tests.analytics.helpers import (
    T,
    by_three,
    deploy,
    frames,
    incident,
    org,
    pr,
    review,
    team,
    utc,
)

H = timedelta(hours=1)
D = timedelta(days=1)

DEPLOYS = [T - 7 * D, T - 6 * D, T - 4 * D, T - 2 * D, T - 6 * H, T - 30 * timedelta(minutes=1)]
INCIDENTS = [T - 10 * D, T - 5 * D, T - 3 * D, T - 20 * H, T - 4 * H, T - 2 * H, T - 1 * H]


def _cfr_frames() -> dict:
    return frames(
        deployments=[deploy(f"d{i + 1}", at) for i, at in enumerate(DEPLOYS)],
        incidents=[incident(f"i{i}", at, at + H) for i, at in enumerate(INCIDENTS)],
    )


@pytest.mark.parametrize(
    ("window", "failed", "rate"),
    [(None, {"d2", "d3", "d4", "d5"}, 4 / 6), (timedelta(hours=12), {"d5"}, 1 / 6)],
)
def test_change_failure_rate_reference(window, failed, rate):
    f = _cfr_frames()
    o = org(window=window)
    v = evaluate(metric="cfr", frames=f, org=o, team="team-a", start=T - 8 * D, end=T, as_of=T)
    assert v.n == 6
    assert v.value == pytest.approx(rate)
    assert v.breakdown["failed"] == len(failed)
    assert v.breakdown["failed_direct"] == len(failed)
    # which deployments failed, from the item level
    prod = dora.production_deployments(f["deployments"].assign(team="team-a"), o.thresholds)
    inc = f["incidents"].assign(team="team-a")
    attributed = dora.attribute_incidents(prod, inc, window)
    items = dora.change_failure_items(prod.assign(ownership="service"), attributed)
    assert set(items.loc[items["value"] == 1, "ref"]) == failed
    # the incident at T-10d precedes every deployment and is attributed to none
    first = attributed.sort_values("started_at").iloc[0]
    assert first["deployment_id"] is None
    # an incident counts against at most one deployment
    assert attributed["deployment_id"].notna().sum() <= len(INCIDENTS)
    assert "until the next deployment" in v.window if window is None else "12 h" in v.window


def test_three_incidents_on_one_deployment_are_one_failure():
    f = frames(
        deployments=[deploy("d1", T - 10 * H)],
        incidents=[incident(f"i{k}", T - (5 - k) * H) for k in range(3)],
    )
    v = evaluate(metric="cfr", frames=f, org=org(), team="team-a", start=T - D, end=T, as_of=T)
    assert (v.value, v.n) == (1.0, 1)


def test_incident_naming_another_service_is_indirect_only_without_a_match():
    f = frames(
        deployments=[deploy("d1", T - 3 * H)],
        incidents=[incident("i1", T - 2 * H, service=None, team_slug="team-a")],
    )
    v = evaluate(metric="cfr", frames=f, org=org(), team="team-a", start=T - D, end=T, as_of=T)
    assert v.value == 1.0
    assert v.breakdown["failed_team_level"] == 1 and v.breakdown["failed_direct"] == 0


@pytest.mark.parametrize(
    ("seconds", "median"),
    [((100, 300, 800), 300), ((100, 300, 800, 90), 200)],
)
def test_recovery_time_is_a_median(seconds, median):
    f = frames(
        incidents=[
            incident(f"i{k}", T - D + k * H, T - D + k * H + timedelta(seconds=s))
            for k, s in enumerate(seconds)
        ]
    )
    v = evaluate(
        metric="recovery-time", frames=f, org=org(), team="team-a", start=T - 2 * D, end=T, as_of=T
    )
    assert v.n == len(seconds)
    assert v.value * 3600 == pytest.approx(median)
    assert v.tier == "elite"


def test_recovery_time_without_resolved_incidents_has_no_value():
    f = frames(incidents=[incident("i1", T - D, None)])
    v = evaluate(
        metric="recovery-time", frames=f, org=org(), team="team-a", start=T - 2 * D, end=T, as_of=T
    )
    assert v.value is None and v.n == 0
    assert v.exclusions == {"unresolved": 1}
    assert any("no resolved incidents" in note for note in v.notes)
    assert v.to_json()["value"] is None


T0 = utc(2026, 11, 10, 10)


def _lead_case(**pr_kw) -> dict:
    reviews = [
        review(1, T0 + timedelta(minutes=10), reviewer="ci[bot]", state="COMMENTED", bot=True),
        review(1, T0 + timedelta(minutes=30), reviewer="alice", state="APPROVED"),
        review(1, T0 + 1 * H, reviewer="bob", state="CHANGES_REQUESTED"),
        review(1, T0 + 2 * H, reviewer="bob", state="COMMENTED"),
        review(1, T0 + 3 * H, reviewer="bob", state="APPROVED"),
    ]
    kw = {
        "first_commit_at": T0 - 24 * H,
        "created_at": T0,
        "merged_at": T0 + 3 * H,
        "merge_commit_sha": "m1",
    }
    kw.update(pr_kw)
    return frames(
        prs=[pr(1, **kw)],
        reviews=reviews,
        pr_deployments=[deploy("d1", T0 + 5 * H, sha="m1")],
    )


def test_one_pull_request_alone_is_withheld_as_one_persons_number():
    v = evaluate(
        metric="lead-time",
        frames=_lead_case(),
        org=org(),
        team="team-a",
        start=T0,
        end=T0 + D,
        as_of=T0 + D,
    )
    assert v.value is None and v.n == 0 and v.breakdown == {}
    assert v.withheld_reason is not None and v.withheld_reason.startswith("fewer than 3 people")


@pytest.mark.parametrize(
    "pr_kw",
    [{}, {"created_at": T0 - 2 * H, "ready_at": T0}],
    ids=["opened-ready", "opened-as-draft"],
)
def test_lead_time_stages_reference(pr_kw):
    v = evaluate(
        metric="lead-time",
        frames=by_three(_lead_case(**pr_kw)),
        org=org(),
        team="team-a",
        start=T0,
        end=T0 + D,
        as_of=T0 + D,
    )
    assert v.n == 3 and v.withheld_reason is None
    assert v.value == pytest.approx(29)
    b = v.breakdown
    assert b["coding_median"] == pytest.approx(24)
    assert b["pickup_median"] == pytest.approx(1)
    assert b["review_median"] == pytest.approx(2)
    assert b["merge_median"] == pytest.approx(0)
    assert b["deploy_median"] == pytest.approx(2)
    assert v.link_methods == {"exact": 3}
    assert v.tier == "high"
    assert v.clock == "wall"


def test_reviews_before_ready_are_not_pickup():
    f = frames(
        prs=[
            pr(
                7,
                created_at=utc(2023, 1, 1),
                ready_at=utc(2023, 1, 3),
                merged_at=utc(2023, 1, 5),
                first_commit_at=utc(2023, 1, 1),
                merge_commit_sha="m7",
            )
        ],
        reviews=[
            review(7, utc(2023, 1, 2, 12), state="COMMENTED"),
            review(7, utc(2023, 1, 4), state="APPROVED"),
        ],
        pr_deployments=[deploy("d7", utc(2023, 1, 6), sha="m7")],
    )
    f = by_three(f)
    v = evaluate(
        metric="lead-time",
        frames=f,
        org=org(),
        team="team-a",
        start=utc(2023, 1, 5),
        end=utc(2023, 1, 12),
        as_of=utc(2023, 2, 1),
    )
    assert v.breakdown["pickup_median"] == pytest.approx(24)
    w = evaluate(
        metric="review-time",
        frames=f,
        org=org(),
        team="team-a",
        start=utc(2023, 1, 2),
        end=utc(2023, 1, 9),
        as_of=utc(2023, 2, 1),
        clock="wall",
    )
    assert w.value == pytest.approx(24)


def test_merged_before_any_review_has_lead_time_without_review_stages():
    f = frames(
        prs=[pr(2, created_at=T0, first_commit_at=T0 - H, merged_at=T0 + H, merge_commit_sha="m2")],
        reviews=[review(2, T0 + 2 * H)],  # a review after the merge did not gate it
        pr_deployments=[deploy("d2", T0 + 3 * H, sha="m2")],
    )
    f = by_three(f)
    v = evaluate(
        metric="lead-time", frames=f, org=org(), team="team-a", start=T0, end=T0 + D, as_of=T0 + D
    )
    assert v.value == pytest.approx(4)
    # no review: pickup and review have no value; ready -> merge counts as the merge stage
    assert _stages(v) == {"coding": 1, "pickup": None, "review": None, "merge": 1, "deploy": 2}
    rt = evaluate(
        metric="review-time",
        frames=f,
        org=org(),
        team="team-a",
        start=T0 - D,
        end=T0 + D,
        as_of=T0 + D,
    )
    assert rt.value is None and rt.exclusions == {"merged without review": 3}


def _lead(f: dict, start=T0 - D, end=T0 + 2 * D):
    return evaluate(
        metric="lead-time", frames=f, org=org(), team="team-a", start=start, end=end, as_of=end
    )


def _stages(v) -> dict:
    return {s: v.breakdown[f"{s}_median"] for s in dora.STAGES}


def test_stages_sum_when_the_commits_are_dated_after_the_merge():
    """Worked case "Stages that sum": ready T0, changes requested T0+1h, approved T0+3h,
    merged T0+4h, deployed T0+6h; the commits are dated T0+4h30 and T0+5h (a rebase reset
    their dates, or the author's clock ran ahead). The first commit moves back to the ready
    moment: coding 0, pickup 1, review 2, merge 1, deploy 2, lead time 6 h. (The old rule
    clamped coding alone and measured 1.5 h from the late commit: less than its stages.)"""
    commits = [
        {"source": "github", "repo": "org/api", "pr_number": 3, "authored_at": T0 + m * H}
        for m in (4.5, 5)
    ]
    f = frames(
        prs=[pr(3, created_at=T0, merged_at=T0 + 4 * H, merge_commit_sha="m3")],
        reviews=[
            review(3, T0 + H, reviewer="bob", state="CHANGES_REQUESTED"),
            review(3, T0 + 3 * H, reviewer="bob", state="APPROVED"),
        ],
        commits=commits,
        pr_deployments=[deploy("d3", T0 + 6 * H, sha="m3")],
    )
    v = _lead(by_three(f))
    assert v.n == 3 and v.value == pytest.approx(6)
    assert _stages(v) == pytest.approx(
        {"coding": 0, "pickup": 1, "review": 2, "merge": 1, "deploy": 2}
    )
    assert sum(_stages(v).values()) == pytest.approx(v.value)


def test_review_stage_ends_at_the_last_approval_and_post_merge_reviews_are_ignored():
    """Worked case: first commit T0-4h, ready T0, changes requested T0+1h, approved T0+2h,
    changes requested T0+3h, approved again T0+5h, a comment T0+6h, merged T0+7h, deployed
    T0+8h; an approval at T0+9h and changes requested at T0+10h come after the merge.
    Coding 4, pickup 1, review 4 (to the last approval before the merge), merge 2 (the
    comment falls in it), deploy 1: lead time 12 h; 2 review rounds."""
    reviews = [
        review(4, T0 + H, reviewer="bob", state="CHANGES_REQUESTED"),
        review(4, T0 + 2 * H, reviewer="bob", state="APPROVED"),
        review(4, T0 + 3 * H, reviewer="carol", state="CHANGES_REQUESTED"),
        review(4, T0 + 5 * H, reviewer="carol", state="APPROVED"),
        review(4, T0 + 6 * H, reviewer="dave", state="COMMENTED"),
        review(4, T0 + 9 * H, reviewer="erin", state="APPROVED"),
        review(4, T0 + 10 * H, reviewer="erin", state="CHANGES_REQUESTED"),
    ]
    f = frames(
        prs=[
            pr(
                4,
                created_at=T0,
                first_commit_at=T0 - 4 * H,
                merged_at=T0 + 7 * H,
                merge_commit_sha="m4",
            )
        ],
        reviews=reviews,
        pr_deployments=[deploy("d4", T0 + 8 * H, sha="m4")],
    )
    f = by_three(f, authors=("frank", "gina"))  # carol and dave review here
    six = team(members=("alice", "bob", "carol", "dave", "erin", "frank", "gina"))
    v = evaluate(
        metric="lead-time",
        frames=f,
        org=org(six),
        team="team-a",
        start=T0 - D,
        end=T0 + 2 * D,
        as_of=T0 + 2 * D,
    )
    assert v.value == pytest.approx(12)
    assert _stages(v) == pytest.approx(
        {"coding": 4, "pickup": 1, "review": 4, "merge": 2, "deploy": 1}
    )
    rounds = evaluate(
        metric="review-rounds",
        frames=f,
        org=org(six),
        team="team-a",
        start=T0 - D,
        end=T0 + 2 * D,
        as_of=T0 + 2 * D,
    )
    assert rounds.value == 1.0 and rounds.breakdown["rounds_median"] == 2
