"""People counted as people: every identity key of a person replaced by one key.

A person has a key per source (GitHub login, GitLab username, PagerDuty user). Metric and
privacy code counts distinct keys, so without this step one engineer active on GitHub and
GitLab counts as two people, and a team of 4 passes a guard of 5. Frames are rewritten once,
where they enter analytics, so every count downstream (people-share, review load, the
detectors' guards, self-review checks) counts persons.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from analytics.context import OrgContext, TeamContext

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


def enough_people(team: TeamContext, people_count: int | None) -> bool:
    """The one privacy rule: a figure built from people's activity is shown only when at
    least `team.min_group_size` persons (never fewer than 5) are behind it. Every guard in
    analytics (metrics, detectors, the detector registry) asks this, with a count of
    persons: frames hold one key per person (`as_persons`), teams count `person_count`."""
    return (people_count or 0) >= team.min_group_size


def withheld_reason(team: TeamContext) -> str:
    """Why a people-based figure of `team` is not shown."""
    return f"fewer than {team.min_group_size} people"
