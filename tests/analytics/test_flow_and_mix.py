"""Flow metrics and work-type mix on tiny hand-computed frames."""

from __future__ import annotations

from datetime import timedelta

import pytest

from analytics.engine import evaluate
from analytics.frames import frame
from analytics.metrics.worktype import MIN_LABELLED, fill_with_model, rule_types, work_mix_items
from tests.analytics.helpers import by_three, frames, org, pr, review, team, utc

H = timedelta(hours=1)
THREE = ("alice", "carol", "dave")  # the work floor: figures of people's work need 3 authors
WEEK = (utc(2026, 11, 23), utc(2026, 11, 30))
AS_OF = utc(2026, 12, 1)


def _eval(metric, f, o=None, **kw):
    start, end = WEEK
    o = o or org()
    return evaluate(
        metric=metric, frames=f, org=o, team="team-a", start=start, end=end, as_of=AS_OF, **kw
    )


def test_throughput_counts_merged_prs_per_week_without_bots():
    at = utc(2026, 11, 24, 10)
    f = frames(
        prs=[
            pr(1, merged_at=at),
            pr(2, merged_at=at + H, author_key="carol"),
            pr(6, merged_at=at + H, author_key="dave"),
            pr(3, merged_at=at, author_is_bot=True),
            pr(4, merged_at=at, author_key="stranger"),  # another team's author
            pr(5),  # still open
        ]
    )
    v = _eval("throughput", f)
    assert (v.value, v.n) == (3.0, 3)
    assert v.exclusions == {"bot author": 1}
    assert v.ownership_counts == {"pr-author": 3}


def test_pr_size_distribution_over_configured_buckets():
    at = utc(2026, 11, 24, 10)
    sizes = [10, 40, 100, 300, 1000]
    f = frames(
        prs=[
            pr(i, merged_at=at, additions=s, deletions=0, author_key=THREE[i % 3])
            for i, s in enumerate(sizes)
        ]
    )
    v = _eval("pr-size", f)
    assert v.value == 100 and v.n == 5
    assert v.breakdown["share <=50"] == pytest.approx(0.4)
    assert v.breakdown["share 51-200"] == pytest.approx(0.2)
    assert v.breakdown["share 201-800"] == pytest.approx(0.2)
    assert v.breakdown["share >800"] == pytest.approx(0.2)


def test_review_rounds_and_rework():
    at = utc(2026, 11, 24, 10)
    f = frames(
        prs=[
            pr(1, created_at=at, merged_at=at + 5 * H),
            pr(2, created_at=at, merged_at=at + 5 * H),
        ],
        reviews=[
            review(1, at + H, state="CHANGES_REQUESTED"),
            review(1, at + 2 * H, state="CHANGES_REQUESTED"),
            review(1, at + 3 * H, state="APPROVED"),
            review(2, at + H, state="APPROVED"),
        ],
        commits=[
            {
                "repo": "org/api",
                "source": "github",
                "pr_number": 1,
                "sha": "a",
                "author_key": "alice",
                "authored_at": at + 90 * timedelta(minutes=1),
            },
        ],
    )
    v = _eval("review-rounds", by_three(f))
    assert v.value == pytest.approx(0.5) and v.n == 6
    assert v.breakdown["rounds_median"] == pytest.approx(1)
    assert v.breakdown["rework_share"] == pytest.approx(0.5)


def test_wip_and_ageing_at_period_end():
    end = WEEK[1]
    f = frames(
        prs=[
            pr(1, created_at=end - 10 * 24 * H),
            pr(2, created_at=end - 2 * 24 * H),
            pr(3, created_at=end - 24 * H, is_draft=True),
            pr(4, created_at=end - 5 * 24 * H, merged_at=end - 24 * H),
        ],
        work_items=[
            {
                "source": "jira",
                "external_id": "1",
                "key": "A-1",
                "project": "A",
                "team_slug": "team-a",
                "status_category": "indeterminate",
                "created_at": end - 9 * 24 * H,
                "updated_at": end,
            }
        ],
        transitions=[
            {
                "source": "jira",
                "item_external_id": "1",
                "at": end - 3 * 24 * H,
                "to_category": "indeterminate",
            }
        ],
    )
    v = _eval("wip", by_three(f))
    assert v.value == 6
    assert v.breakdown["draft_prs"] == 3
    assert v.breakdown["issues_in_progress"] == 1
    assert v.breakdown["age_median_days"] == pytest.approx(6)
    assert v.breakdown["older_than_7_days"] == 3
    assert v.breakdown["issue_age_median_days"] == pytest.approx(3)  # in progress 3 days
    assert v.breakdown["issues_older_than_7_days"] == 0


def test_issue_ageing_counts_the_current_stretch_in_progress():
    """Days in progress at the period's end: since the issue last entered progress; done
    issues and issues back in the backlog do not count."""
    end = WEEK[1]
    day = 24 * H

    def item(i: int, category: str) -> dict:
        return {
            "source": "jira",
            "external_id": str(i),
            "key": f"A-{i}",
            "project": "A",
            "team_slug": "team-a",
            "status_category": category,
            "created_at": end - 30 * day,
            "updated_at": end,
        }

    def move(i: int, ago: timedelta, to: str) -> dict:
        return {"source": "jira", "item_external_id": str(i), "at": end - ago, "to_category": to}

    f = frames(
        work_items=[
            item(1, "indeterminate"),
            item(2, "indeterminate"),
            item(3, "done"),
            item(4, "indeterminate"),
            item(5, "new"),
        ],
        transitions=[
            move(1, 10 * day, "indeterminate"),  # 10 days in progress
            move(2, 2 * day, "indeterminate"),  # 2 days
            move(3, 9 * day, "indeterminate"),
            move(3, 1 * day, "done"),  # finished: not in progress
            move(4, 20 * day, "indeterminate"),
            move(4, 12 * day, "new"),
            move(4, 8 * day, "indeterminate"),  # back in progress 8 days ago: 8, not 20
            move(5, 6 * day, "indeterminate"),
            move(5, 4 * day, "new"),  # back in the backlog: not in progress
        ],
    )
    v = _eval("wip", f)
    assert v.breakdown["issues_in_progress"] == 3
    assert v.breakdown["issue_age_median_days"] == pytest.approx(8)  # of 10, 2 and 8
    assert v.breakdown["issues_older_than_7_days"] == 2


def test_cycle_time_from_first_in_progress_to_last_done():
    t0 = utc(2026, 11, 20, 9)
    items = [
        {
            "source": "jira",
            "external_id": str(i),
            "key": f"A-{i}",
            "project": "A",
            "status_category": "done",
            "created_at": t0 - 24 * H,
            "updated_at": t0,
            "resolved_at": t0 + 100 * H,
        }
        for i in (1, 2)
    ]
    tr = [
        {"source": "jira", "item_external_id": "1", "at": t0, "to_category": "indeterminate"},
        {"source": "jira", "item_external_id": "1", "at": t0 + 10 * H, "to_category": "new"},
        {
            "source": "jira",
            "item_external_id": "1",
            "at": t0 + 20 * H,
            "to_category": "indeterminate",
        },
        {"source": "jira", "item_external_id": "1", "at": t0 + 30 * H, "to_category": "done"},
        {
            "source": "jira",
            "item_external_id": "1",
            "at": t0 + 40 * H,
            "to_category": "indeterminate",
        },
        {"source": "jira", "item_external_id": "1", "at": t0 + 100 * H, "to_category": "done"},
        {"source": "jira", "item_external_id": "2", "at": t0 + 100 * H, "to_category": "done"},
    ]
    o = org(team(jira_projects=("A",)))
    v = _eval("cycle-time", frames(work_items=items, transitions=tr), o)
    assert v.value == pytest.approx(100) and v.n == 1
    assert v.exclusions == {"never in progress": 1}
    assert v.ownership_counts == {"project": 1}


def test_rules_for_work_types_in_priority_order():
    labels = frame("prs", [{"labels": ["Bug"]}, {}, {}, {}, {}])["labels"]
    item_type = frame("work_items", [{}, {"item_type": "Story"}, {}, {}, {}])["item_type"]
    titles = frame("prs", [{"title": "feat: x"}, {}, {"title": "fix(api): y"}, {}, {}])["title"]
    branches = frame("prs", [{}, {}, {}, {"head_ref": "chore/bump"}, {"head_ref": "main"}])
    types, rules = rule_types(labels, item_type, titles, branches["head_ref"])
    assert types.tolist() == ["bug", "feature", "bug", "debt", None]
    assert rules.tolist() == ["label", "issue type", "conventional commit", "branch name", None]


def _mix_items(n_per_type: int, gaps: int):
    rows = []
    words = {
        "feature": "add new checkout page",
        "bug": "crash when saving order",
        "debt": "cleanup old module",
        "ops": "terraform alert pipeline",
    }
    prefix = {"feature": "feat", "bug": "fix", "debt": "refactor", "ops": "ci"}
    k = 0
    for t, w in words.items():
        for i in range(n_per_type):
            k += 1
            title = f"{prefix[t]}: {w} {i}"
            rows.append(
                pr(k, merged_at=utc(2026, 11, 24, 10), title=title, author_key=THREE[k % 3])
            )
    for i in range(gaps):
        k += 1
        title = f"crash when saving order {i}"
        rows.append(pr(k, merged_at=utc(2026, 11, 24, 10), title=title, author_key=THREE[k % 3]))
    return rows


def test_classifier_fills_gaps_and_reports_accuracy():
    prs = frame("prs", _mix_items(10, 3)).assign(team="team-a", ownership="pr-author")
    items, reports = work_mix_items(prs, frame("work_items").assign(team=[], ownership=[]))
    r = reports["team-a"]
    assert r.used and r.filled == 3 and r.labelled == 40 and 0 <= r.cv_accuracy <= 1
    assert set(items.loc[items["method"] == "model", "type"]) == {"bug"}


def _typed(rows, types):
    f = frame("prs", rows).rename(columns={"head_ref": "branch"})
    return f.assign(type=types, item_type=None)


def test_classifier_skipped_with_a_reason():
    rows = [pr(i, title=f"fix: thing {i}") for i in range(40)]
    _, report = fill_with_model(_typed(rows[:10], ["bug"] * 9 + [None]))
    assert not report.used and f"need {MIN_LABELLED}" in report.reason
    _, report = fill_with_model(_typed(rows, ["bug"] * 39 + [None]))
    assert not report.used and "fewer than 2 work types" in report.reason


def test_work_mix_shares_and_model_note():
    f = frames(prs=_mix_items(10, 2))
    v = _eval("work-mix", f)
    assert v.n == 42
    assert v.value == pytest.approx(10 / 42)
    assert v.breakdown["bug_share"] == pytest.approx(12 / 42)
    assert any("cross-validated accuracy" in note for note in v.notes)
    assert v.trend is None
