"""Flow: how work moves through review and into done, per item (see dora.py for the shape).

Time to first review counts working hours in the team's zone by default (wall clock on
request); throughput, size and review rounds look at merged PRs; cycle time at issues.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analytics.arrays import NAT, all_matches, lower_text, time_ns, utc_times
from analytics.calendar import by_calendar, hours_between
from analytics.context import WorkCalendar
from analytics.metrics.dora import _milestones, flag
from analytics.metrics.pulls import first_rows, is_revert, merged_only, pr_refs, pr_rows


def _ref(prs: pd.DataFrame) -> pd.Series:
    return pr_refs(prs)


def review_time_items(
    prs: pd.DataFrame,
    reviews: pd.DataFrame,
    calendars: Mapping[str, WorkCalendar],
    clock: str = "working",
    bots: frozenset[str] = frozenset(),
    milestones: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Time to first review per PR: ready for review -> first review by someone other than
    the author (bots excluded, reviews while a draft ignored), in `clock` hours ("working":
    the team's working days and hours in its zone; "wall": elapsed). `at` = ready moment.
    Excluded rows: still a draft, bot author, revert, awaiting review, merged or closed
    without review."""
    ms = _milestones(prs, reviews, bots, milestones)
    ready = ms["ready"]
    hours = np.full(len(prs), np.nan)
    teams = prs["team"].to_numpy()
    first = ms["first_review_at"]
    for cal, rows in by_calendar(teams, calendars):
        hours[rows] = hours_between(ready.iloc[rows], first.iloc[rows], cal, clock)
    no_review = ms["first_review_at"].isna().to_numpy()
    excluded = np.full(len(prs), None, dtype=object)
    excluded[no_review & prs["state"].eq("open").to_numpy()] = "awaiting review"
    excluded[no_review & prs["closed_at"].notna().to_numpy()] = "closed without review"
    excluded[no_review & prs["merged_at"].notna().to_numpy()] = "merged without review"
    excluded[ready.isna().to_numpy()] = "still a draft"
    excluded[is_revert(prs).to_numpy()] = "revert"
    excluded[prs["author_is_bot"].to_numpy()] = "bot author"
    return pd.DataFrame(
        {
            "team": teams,
            "at": ready.fillna(prs["created_at"]).array,
            "value": hours,
            "excluded": excluded,
            "ownership": prs["ownership"].to_numpy(),
            "ref": _ref(prs).to_numpy(),
        },
        copy=False,  # no block consolidation: a copy of every column
    )


def throughput_items(prs: pd.DataFrame) -> pd.DataFrame:
    """One row per merged PR at its merge; bot-authored PRs are excluded rows."""
    merged = merged_only(prs)
    return pd.DataFrame(
        {
            "team": merged["team"].to_numpy(),
            "at": merged["merged_at"].array,
            "value": 1.0,
            "excluded": flag(merged["author_is_bot"].to_numpy(), "bot author"),
            "ownership": merged["ownership"].to_numpy(),
            "ref": _ref(merged).to_numpy(),
        },
        copy=False,  # no block consolidation: a copy of every column
    )


def size_bucket_labels(buckets: tuple[int, ...]) -> list[str]:
    """Labels for the size buckets, e.g. (50, 200) -> ["<=50", "51-200", ">200"]."""
    labels = []
    lo = 0
    for b in buckets:
        labels.append(f"<={b}" if lo == 0 else f"{lo + 1}-{b}")
        lo = b
    labels.append(f">{lo}")
    return labels


def pr_size_items(prs: pd.DataFrame, buckets: tuple[int, ...]) -> pd.DataFrame:
    """Lines changed (additions + deletions) per merged PR, with its size bucket."""
    merged = merged_only(prs)
    lines = (merged["additions"] + merged["deletions"]).to_numpy(dtype="float64")
    labels = np.asarray(size_bucket_labels(buckets), dtype=object)
    bucket = labels[np.searchsorted(np.asarray(buckets, dtype="float64"), lines, side="left")]
    excluded = np.full(len(merged), None, dtype=object)
    excluded[is_revert(merged).to_numpy()] = "revert"
    excluded[merged["author_is_bot"].to_numpy()] = "bot author"
    return pd.DataFrame(
        {
            "team": merged["team"].to_numpy(),
            "at": merged["merged_at"].array,
            "value": lines,
            "bucket_label": bucket,
            "excluded": excluded,
            "ownership": merged["ownership"].to_numpy(),
            "ref": _ref(merged).to_numpy(),
        },
        copy=False,  # no block consolidation: a copy of every column
    )


def review_rounds_items(
    prs: pd.DataFrame,
    reviews: pd.DataFrame,
    commits: pd.DataFrame,
    bots: frozenset[str] = frozenset(),
    milestones: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per merged PR: `rounds` (changes-requested reviews by others), `value` = 1.0 when
    there was at least one round, `rework` = 1.0 when commits were authored after the first
    review (0.0 otherwise)."""
    merged = merged_only(prs)
    ms = _milestones(merged, reviews, bots, milestones)
    row = pr_rows(merged, commits)
    at = time_ns(commits["authored_at"])
    first = time_ns(ms["first_review_at"])
    reviewed = first[np.maximum(row, 0)] if len(first) else np.full(len(row), NAT)
    late = (row >= 0) & (reviewed != NAT) & (at != NAT) & (at > reviewed)
    hit = np.zeros(len(merged), dtype=bool)
    hit[row[late]] = True
    rework = hit[first_rows(merged)] if len(merged) else hit
    excluded = np.full(len(merged), None, dtype=object)
    excluded[ms["first_review_at"].isna().to_numpy()] = "merged without review"
    excluded[is_revert(merged).to_numpy()] = "revert"
    excluded[merged["author_is_bot"].to_numpy()] = "bot author"
    return pd.DataFrame(
        {
            "team": merged["team"].to_numpy(),
            "at": merged["merged_at"].array,
            "value": (ms["rounds"].to_numpy() >= 1).astype("float64"),
            "rounds": ms["rounds"].to_numpy(dtype="float64"),
            "rework": rework.astype("float64"),
            "excluded": excluded,
            "ownership": merged["ownership"].to_numpy(),
            "ref": _ref(merged).to_numpy(),
        },
        copy=False,  # no block consolidation: a copy of every column
    )


def pr_intervals(prs: pd.DataFrame) -> pd.DataFrame:
    """When each PR was open: opened (creation) to finished (merge/close; NaT = still open)."""
    return pd.DataFrame(
        {
            "team": prs["team"].to_numpy(),
            "opened": prs["created_at"].array,
            "finished": prs["merged_at"].fillna(prs["closed_at"]).array,
            "ready": prs["ready_at"].fillna(prs["created_at"].where(~prs["is_draft"])).array,
            "bot": prs["author_is_bot"].to_numpy(),
            "ownership": prs["ownership"].to_numpy(),
        },
        copy=False,  # no block consolidation: a copy of every column
    )


def _item_matches(items: pd.DataFrame, transitions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The inner join of transitions to their work items on (source, external id), by
    integer codes: (transition position, item row) pairs in transition order, an item
    listed twice matched twice."""
    n = len(items)
    src = np.concatenate(
        [items["source"].to_numpy(dtype=object), transitions["source"].to_numpy(dtype=object)]
    )
    ext = np.concatenate(
        [
            items["external_id"].to_numpy(dtype=object),
            transitions["item_external_id"].to_numpy(dtype=object),
        ]
    )
    s_codes = pd.factorize(src)[0].astype(np.int64)
    e_codes, e_names = pd.factorize(ext)
    key = (s_codes + 1) * (len(e_names) + 1) + (e_codes + 1)
    return all_matches(key[:n], key[n:])


def in_progress_intervals(items: pd.DataFrame, transitions: pd.DataFrame) -> pd.DataFrame:
    """Stretches during which an issue sat in an "indeterminate" (in progress) category:
    from a move into it until the next transition (NaT = still there)."""
    hit, row = _item_matches(items, transitions)
    at = time_ns(transitions["at"])[hit]
    team = items["team"].to_numpy(dtype=object)[row]
    # per item, in time order; items ordered as (team, source, external id) sort
    t_codes = pd.factorize(team, sort=True)[0]
    s_codes = pd.factorize(transitions["source"].to_numpy(dtype=object)[hit], sort=True)[0]
    e_codes = pd.factorize(transitions["item_external_id"].to_numpy(dtype=object)[hit], sort=True)[
        0
    ]
    order = np.lexsort((at, e_codes, s_codes, t_codes))
    at, team = at[order], team[order]
    group = np.stack([t_codes[order], s_codes[order], e_codes[order]])
    same_next = np.r_[(group[:, 1:] == group[:, :-1]).all(axis=0), False]
    nxt = np.where(same_next, np.r_[at[1:], NAT], NAT)
    cat = lower_text(transitions["to_category"]).to_numpy()[hit][order]
    keep = cat == "indeterminate"
    return pd.DataFrame(
        {"team": team[keep], "opened": utc_times(at[keep]), "finished": utc_times(nxt[keep])},
        copy=False,  # no block consolidation: a copy of every column
    )


def cycle_time_items(items: pd.DataFrame, transitions: pd.DataFrame) -> pd.DataFrame:
    """Issue cycle time: first move into an "indeterminate" (in progress) category -> the
    last move into "done", for issues that are done now; wall-clock hours, `at` = done.
    Issues that went to done without ever being in progress are excluded rows."""
    done_items = items[(lower_text(items["status_category"]) == "done").to_numpy()]
    hit, row = _item_matches(done_items, transitions)
    n = len(done_items)
    at = time_ns(transitions["at"])[hit]
    cat = lower_text(transitions["to_category"]).to_numpy()[hit]
    ok = at != NAT
    big = np.iinfo(np.int64).max
    started = np.full(n, big, dtype=np.int64)
    sel = ok & (cat == "indeterminate")
    np.minimum.at(started, row[sel], at[sel])
    finished = np.full(n, NAT, dtype=np.int64)
    sel = ok & (cat == "done")
    np.maximum.at(finished, row[sel], at[sel])
    started = np.where(started == big, NAT, started)
    resolved = time_ns(done_items["resolved_at"])
    done_at = np.where(finished != NAT, finished, resolved)
    missing = (started == NAT) | (done_at == NAT)
    hours = np.where(missing, np.nan, (done_at - started) / 3.6e12)
    excluded = np.full(n, None, dtype=object)
    excluded[started == NAT] = "never in progress"
    excluded[done_at == NAT] = "no done date"
    when = np.where(done_at != NAT, done_at, time_ns(done_items["updated_at"]))
    return pd.DataFrame(
        {
            "team": done_items["team"].to_numpy(),
            "at": utc_times(when),
            "value": hours.astype("float64"),
            "excluded": excluded,
            "ownership": done_items["ownership"].to_numpy(),
            "ref": done_items["key"].to_numpy(),
        },
        copy=False,  # no block consolidation: a copy of every column
    )
