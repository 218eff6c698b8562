"""People counted as people (every identity key of a person replaced by one key), and the
privacy floors that count them (`withheld_reason`).

A person has a key per source (GitHub login, GitLab username, PagerDuty user). Metric and
privacy code counts distinct keys, so without this step one engineer active on GitHub and
GitLab counts as two people, and a team of 4 passes a guard of 5. Frames are rewritten once,
where they enter analytics, so every count downstream (people-share, review load, the
detectors' guards, self-review checks) counts persons.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd

from analytics.context import OrgContext, TeamContext
from analytics.metrics.pulls import pr_refs

PERSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "prs": ("author_key",),
    "reviews": ("reviewer_key", "pr_author_key"),
    "member_reviews": ("reviewer_key", "pr_author_key"),
    "review_requests": ("reviewer_key",),
    "commits": ("author_key",),
    "pages": ("responder_key",),
    "people": ("key",),
}
"""Per frame, the columns that hold a person's key."""


def _as_persons(column: pd.Series, person_of: Mapping[str, str]) -> pd.Series:
    aliases = column.isin(person_of.keys())
    if not aliases.any():
        return column
    out = column.copy()
    out[aliases] = column[aliases].map(person_of)
    return out


def as_persons(frames: Mapping[str, pd.DataFrame], org: OrgContext) -> dict[str, pd.DataFrame]:
    """`frames` with each person's identity keys replaced by the person's one key (pure:
    frames that change are copies; with nobody known by two identities nothing is copied)."""
    person_of = org.person_of
    out = dict(frames)
    if not person_of:
        return out
    for name, columns in PERSON_COLUMNS.items():
        frame = out.get(name)
        if frame is None or frame.empty:
            continue
        present = [c for c in columns if c in frame.columns]
        mapped = {c: _as_persons(frame[c], person_of) for c in present}
        changed = {c: s for c, s in mapped.items() if s is not frame[c]}
        if changed:
            out[name] = frame.assign(**changed)
    return out


Privacy = Literal["people", "work", "service"]
"""What a figure is built from, so which floor it needs (`MetricSpec.privacy`,
`DetectorSpec.privacy`): "people", individual people's activity (after-hours, review load,
pages): at least `min_group_size` persons (never fewer than 5); "work", the work people did
(pull requests, reviews, issues): at least MIN_WORK_PEOPLE persons; "service", deployments
and incidents of what the team owns: whatever the team's size."""

MIN_WORK_PEOPLE = 3
"""Below this many persons a figure built from people's work is one or two people's numbers."""

WORK_TEAM_REASON = (
    f"fewer than {MIN_WORK_PEOPLE} people in the team: a figure of one or two people's work "
    "would describe them"
)
WORK_PERIOD_REASON = (
    f"fewer than {MIN_WORK_PEOPLE} people did the work counted in this period: a figure of "
    "one or two people's work would describe them"
)
WEEK_INSIDE_REASON = (
    "a week inside this period is withheld ({reason}); the period's figure and n, less "
    "those of its shown weeks, would reveal that week's"
)
"""Why a period figure is withheld for one of its weeks (`period_withheld_reason`)."""


def with_authors(items: pd.DataFrame, prs: pd.DataFrame) -> pd.DataFrame:
    """`items` (one metric's rows, each naming its pull request by `team` and `ref`) with a
    `person` column: the PR's author, None for rows about no PR of `prs` (issues), so the
    work floor can count the authors behind each bucket. Rows built one per PR of `prs`, in
    order, take the authors as they stand; others are looked up. In place, and returned."""
    authors = prs["author_key"].to_numpy(dtype=object) if "author_key" in prs else None
    if authors is None or items.empty or "ref" not in items.columns:
        items["person"] = None
        return items
    refs = pr_refs(prs).to_numpy(dtype=object)
    teams = prs["team"].to_numpy(dtype=object)
    item_refs, item_teams = (
        items["ref"].to_numpy(dtype=object),
        items["team"].to_numpy(dtype=object),
    )
    if len(items) == len(prs) and (item_refs == refs).all() and (item_teams == teams).all():
        items["person"] = authors
        return items
    known = pd.MultiIndex.from_arrays([teams, refs])
    first = ~known.duplicated()
    pos = known[first].get_indexer(pd.MultiIndex.from_arrays([item_teams, item_refs]))
    found = np.full(len(items), None, dtype=object)
    hit = pos >= 0
    found[hit] = authors[first][pos[hit]]
    items["person"] = found
    return items


def enough_people(team: TeamContext, people_count: int | None) -> bool:
    """The people-based floor: a figure built from people's activity is shown only when at
    least `team.min_group_size` persons (never fewer than 5) are behind it. Every guard in
    analytics (metrics, detectors, the detector registry) asks this, with a count of
    persons: frames hold one key per person (`as_persons`), teams count `person_count`."""
    return (people_count or 0) >= team.min_group_size


def enough_for_work(team: TeamContext) -> bool:
    """The work floor at team level: figures of people's work need a team of at least
    MIN_WORK_PEOPLE persons."""
    return team.person_count >= MIN_WORK_PEOPLE


def people_reason(team: TeamContext) -> str:
    """Why a people-based figure of `team` is not shown."""
    n = team.min_group_size
    return (
        f"fewer than {n} people: a figure of individual people's activity from a smaller group "
        "would describe them"
    )


def team_withheld(privacy: Privacy, team: TeamContext) -> str | None:
    """Why no figure of this `privacy` class is shown for `team` at all, whatever period is
    asked (None: its figures may be, period by period). The detectors' guard, and what a
    surface can say without computing anything (App Home, the digest)."""
    if privacy == "people" and not enough_people(team, team.person_count):
        return people_reason(team)
    if privacy == "work" and not enough_for_work(team):
        return WORK_TEAM_REASON
    return None


def withheld_reason(privacy: Privacy, team: TeamContext, people: int | None) -> str | None:
    """The one privacy rule for a figure of `team` (None: it may be shown).

    `people` is how many persons are behind the figure's items (None when its items carry
    no person: no items, or issues, which name no assignee). People-based figures need
    `min_group_size` persons in the team and behind the figure. Work figures need a team of
    MIN_WORK_PEOPLE persons and, where the items name their author, as many authors behind
    the period: a week whose merged PRs were all by one or two people is withheld, a week
    with none is not (an empty week describes nobody). Service figures are always shown.
    """
    reason = team_withheld(privacy, team)
    if reason is not None or privacy == "service":
        return reason
    if privacy == "people":
        return None if enough_people(team, people) else people_reason(team)
    if people is not None and 0 < people < MIN_WORK_PEOPLE:
        return WORK_PERIOD_REASON
    return None


def period_withheld_reason(
    privacy: Privacy, team: TeamContext, people: int | None, weeks: Iterable[int | None]
) -> str | None:
    """`withheld_reason` for a period made of several of the team's weeks (`weeks`: the
    persons behind each week that overlaps it): a period figure is shown only when every one
    of those weeks could be, or subtracting the shown weeks from it would give the withheld
    one (a 4-week throughput less three shown weeks is the fourth week's one or two authors'
    count; the same holds for any figure's n)."""
    reason = withheld_reason(privacy, team, people)
    if reason is not None:
        return reason
    for week in weeks:  # (an empty week reveals nothing: subtracting gives nothing)
        inside = withheld_reason(privacy, team, week) if week else None
        if inside is not None:
            return WEEK_INSIDE_REASON.format(reason=inside)
    return None
