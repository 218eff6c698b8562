"""Team health from people's activity: after-hours work, review load, out-of-hours pages.

Rows here carry a `person` key only so that the engine can count how many people a figure
is built from (privacy guard, REFERENCE_CASES §6) and measure concentration; no public
function ever returns a per-person value. Local time is the person's own (§5): the offset
the event carries (a git commit's date; reviews and pages carry none), else the person's
zone (`person_zones`), else the team's.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from analytics.arrays import time_ns, utc_times
from analytics.calendar import author_local_ns, by_calendar, outside_hours
from analytics.context import WorkCalendar
from analytics.metrics.pulls import done_by_people, human_review_mask

ZONE_RANK = {"config": 0, "pagerduty": 1, "jira": 2}
"""Which stored zone stands for a person whose identities hold different ones (`people.tz`,
ranked by `tz_source`; store.zones): the config's (an explicit statement, stored on every
identity of the member), else PagerDuty's (on-call people keep it right: their shifts and
notifications are shown in it), else Jira's (the site's default for users who set none),
else any other; equal ranks go to the first zone by name, never to row order."""


@lru_cache(maxsize=256)
def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def person_zones(people: pd.DataFrame) -> dict[str, str]:
    """{person key: the person's one zone} from the `people` frame. After `as_persons` a
    person's identities share one key, so several rows may name it: `ZONE_RANK` picks one.
    Names this machine does not know are skipped (the team's zone applies instead)."""
    if people.empty or "tz" not in people.columns:
        return {}
    zoned = people[people["tz"].notna()]
    zoned = zoned[[isinstance(z, str) and _known_zone(z) for z in zoned["tz"]]]
    if zoned.empty:
        return {}
    sources = zoned["tz_source"] if "tz_source" in zoned.columns else None
    rank = len(ZONE_RANK) if sources is None else sources.map(ZONE_RANK).fillna(len(ZONE_RANK))
    ordered = zoned.assign(_rank=rank).sort_values(["key", "_rank", "tz"], kind="stable")
    first = ordered.drop_duplicates("key")
    return dict(zip(first["key"], first["tz"], strict=True))


def _person_tz(keys: pd.Series, people: pd.DataFrame) -> pd.Series:
    return keys.map(person_zones(people))


def _local_flags(
    team: np.ndarray,
    at: pd.Series,
    offsets: pd.Series,
    person_tz: pd.Series,
    calendars: Mapping[str, WorkCalendar],
) -> tuple[np.ndarray, np.ndarray]:
    outside = np.zeros(len(at), dtype=bool)
    weekend = np.zeros(len(at), dtype=bool)
    for cal, rows in by_calendar(team, calendars):
        local = author_local_ns(at.iloc[rows], offsets.iloc[rows], person_tz.iloc[rows], cal.tz)
        o, w = outside_hours(local, cal)
        outside[rows] = o
        weekend[rows] = w
    return outside, weekend


def activity_items(
    commits: pd.DataFrame,
    member_reviews: pd.DataFrame,
    people: pd.DataFrame,
    calendars: Mapping[str, WorkCalendar],
    bots: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Commits and reviews by the team's people, each flagged outside working time
    (`value` 1.0/0.0) and on a non-working day (`weekend`), in the author's local time.
    Built from numpy columns: at large-org scale these are millions of rows."""
    c_ok = done_by_people(commits, "author_key", "author_is_bot", bots)
    r_ok = done_by_people(member_reviews, "reviewer_key", "reviewer_is_bot", bots)
    n_c = int(c_ok.sum())

    def both(c_col: str, r_col: str) -> np.ndarray:
        return np.concatenate(
            [commits[c_col].to_numpy()[c_ok], member_reviews[r_col].to_numpy()[r_ok]]
        )

    team = both("team", "team")
    person = both("author_key", "reviewer_key")
    at = pd.Series(
        utc_times(
            np.r_[
                time_ns(commits["authored_at"])[c_ok], time_ns(member_reviews["submitted_at"])[r_ok]
            ]
        )
    )
    offset = pd.Series(both("author_utc_offset_min", "submitted_utc_offset_min").astype("float64"))
    kind = np.where(np.arange(len(team)) < n_c, "commit", "review").astype(object)
    tz = _person_tz(pd.Series(person, dtype=object), people)
    outside, weekend = _local_flags(team, at, offset, tz, calendars)
    return pd.DataFrame(
        {
            "team": team,
            "at": at,
            "person": person,
            "kind": kind,
            "value": outside.astype("float64"),
            "weekend": weekend.astype("float64"),
            "excluded": np.full(len(team), None, dtype=object),
            "ownership": _constant(len(team), "pr-author"),
        },
        copy=False,  # no block consolidation: a copy of every column
    )


def _constant(n: int, value: str) -> np.ndarray:
    """An object column holding `value` n times (np.full with a str is ~7x slower)."""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def review_load_items(
    member_reviews: pd.DataFrame,
    activity: pd.DataFrame,
    bots: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Reviews of others' PRs by the team's people (`value` 1.0), plus one zero-valued row
    per other activity so that active people who reviewed nothing count in the spread."""
    reviewer = member_reviews["reviewer_key"].to_numpy(dtype=object)
    ok = human_review_mask(member_reviews, bots)  # the same reviews time to review counts
    commits = (activity["kind"] == "commit").to_numpy()
    n_r, n_c = int(ok.sum()), int(commits.sum())
    at = np.concatenate(
        [time_ns(member_reviews["submitted_at"])[ok], time_ns(activity["at"])[commits]]
    )
    return pd.DataFrame(
        {
            "team": np.concatenate(
                [member_reviews["team"].to_numpy()[ok], activity["team"].to_numpy()[commits]]
            ),
            "at": utc_times(at),
            "person": np.concatenate([reviewer[ok], activity["person"].to_numpy()[commits]]),
            "value": np.r_[np.ones(n_r), np.zeros(n_c)],
            "excluded": np.full(n_r + n_c, None, dtype=object),
            "ownership": _constant(n_r + n_c, "pr-author"),
        },
        copy=False,  # no block consolidation: a copy of every column
    )


def page_items(
    pages: pd.DataFrame, people: pd.DataFrame, calendars: Mapping[str, WorkCalendar]
) -> pd.DataFrame:
    """Pages to the team's responders, flagged outside the responder's working time."""
    p = pages[pages["responder_key"].notna()].reset_index(drop=True)
    tz = _person_tz(p["responder_key"], people)
    no_offset = pd.Series(np.nan, index=p.index)
    outside, weekend = _local_flags(p["team"].to_numpy(), p["at"], no_offset, tz, calendars)
    return pd.DataFrame(
        {
            "team": p["team"].to_numpy(),
            "at": p["at"].array,
            "person": p["responder_key"].to_numpy(),
            "value": outside.astype("float64"),
            "weekend": weekend.astype("float64"),
            "excluded": None,
            "ownership": p["ownership"].to_numpy(),
            "ref": p["incident_external_id"].to_numpy(),
        },
        copy=False,  # no block consolidation: a copy of every column
    )
