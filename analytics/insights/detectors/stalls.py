"""Pull requests that stall waiting for a first review: longer than `thresholds.stall_days`
of the team's working days, against similar teams, with the open ones most likely to stall."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.calendar import working_hours_between
from analytics.insights.detectors.common import (
    context_suffix,
    evidence,
    method,
)
from analytics.insights.detectors.review import MIN_TEAM_PRS
from analytics.insights.model import Cost, Effect, Insight
from analytics.insights.registry import DetectorContext, detector
from analytics.insights.stall.outcomes import synced_until
from analytics.insights.stats import Interval, bootstrap_stat
from analytics.insights.teamrows import team_rows
from analytics.insights.wording import effect_between, number, scaled_interval, waiting_cost

if TYPE_CHECKING:
    from analytics.insights.stall import Risk

STALL_SHARE = 0.2


STALL_MIN = 4


STALL_WEEKS = 8  # stalls: 8 weeks, enough PRs even for small teams


NEXT_STEP_STALLED_PRS = (
    "Agree a first-review target (e.g. one working day) and review the oldest "
    "waiting PRs first at stand-up."
)


def stall_hours(ctx: DetectorContext, team: str) -> float:
    """The stall threshold in working hours: `thresholds.stall_days` of the team's own
    working days (3 days of 09:00-17:00 are 24 h; of 08:00-18:00, 30 h)."""
    days = ctx.data.org.thresholds.stall_days
    return days * ctx.data.org.team(team).calendar.day_hours


def waits(ctx: DetectorContext, team: str, weeks: int = STALL_WEEKS) -> pd.DataFrame:
    """PRs made ready in the last `weeks` weeks with their wait for a first review in
    working hours: reviewed ones their wait; ones closed without review the time until
    closing; open ones awaiting review the wait so far (`open` True), up to the digest's
    end or where the data stops (the PR sources' last successful sync), the earlier. Open
    PRs that have waited less than the stall threshold are left out: their outcome is not
    known yet.
    `limit` is the team's stall threshold in working hours (`stall_hours`). Kept per load
    for the team, window and as-of: a team is asked as every similar team's peer too (the
    frame returned is shared: read it, never change it)."""
    start = pd.Timestamp(ctx.grid.edges[max(0, ctx.grid.n - weeks)])
    key = f"stall_waits:{team}:{start.isoformat()}:{ctx.grid.end.isoformat()}:{ctx.as_of}"
    return ctx.data.once(key, lambda: _waits(ctx, team, start))


def _waits(ctx: DetectorContext, team: str, start: pd.Timestamp) -> pd.DataFrame:
    items = ctx.data.review_time("working")
    rows = team_rows(items, team)
    mine = items[items["team"] == team] if rows is None else items.take(rows)
    sub = mine[(mine["at"] >= start).to_numpy()]
    sub = sub[sub["at"] < pd.Timestamp(ctx.grid.end)]
    kinds = sub["excluded"]
    sub = sub[kinds.isna() | kinds.isin(["awaiting review", "closed without review"])]
    open_ = sub["excluded"].eq("awaiting review").to_numpy()
    closed = sub["excluded"].eq("closed without review").to_numpy()
    wait = sub["value"].to_numpy(dtype="float64").copy()
    if open_.any() or closed.any():
        cal = ctx.data.org.team(team).calendar
        end = pd.Timestamp(min(ctx.as_of, ctx.grid.end))
        until = synced_until(ctx.data)  # a wait is known only as far as the data goes
        end = min(end, until) if until is not None else end
        closed_at = _closed_at(ctx).reindex(sub["ref"]).fillna(end).to_numpy()
        until = np.where(open_, np.datetime64(end.tz_convert(None).to_datetime64()), closed_at)
        pending = open_ | closed
        wait[pending] = working_hours_between(
            sub["at"][pending].to_numpy(), pd.to_datetime(until[pending], utc=True), cal
        )
    limit = stall_hours(ctx, team)
    out = pd.DataFrame({"ref": sub["ref"].to_numpy(), "wait": wait, "open": open_})
    out["limit"] = limit
    return out[~(out["open"] & (out["wait"] <= limit))].reset_index(drop=True)


def _closed_at(ctx: DetectorContext) -> pd.Series:
    """Each PR's close moment by ref (the first row of a ref), once per load."""
    prs = ctx.data.prs
    return ctx.data.once(
        "stall_closed_at", lambda: prs().drop_duplicates("ref").set_index("ref")["closed_at"]
    )


def _stall_share(w: pd.DataFrame) -> np.ndarray:
    return (w["wait"].to_numpy() > w["limit"].to_numpy()).astype("float64")


def _peer_stall_share(ctx: DetectorContext) -> tuple[list[str], float | None]:
    """The teams compared with (peers, else every other team) and their share of stalled
    PRs (None with fewer than 20 PRs between them)."""
    others = list(ctx.peers.peers) or [t.slug for t in ctx.data.teams if t.slug != ctx.team.slug]
    other_flags = (
        np.concatenate([_stall_share(waits(ctx, p)) for p in others]) if others else np.array([])
    )
    return others, float(other_flags.mean()) if other_flags.size >= 20 else None


def _stall_summary(
    n: int,
    stuck: pd.DataFrame,
    days: str,
    peers: tuple[float | None, list[str]],
    risk: Risk,
    cost: Cost,
) -> str:
    """How many of the `n` PRs stalled, against which peers, how long the ones still in
    play waited beyond the limit, the open ones most likely to stall next, and how many are
    abandoned (open over ABANDONED_DAYS: counted apart, not listed)."""
    peer_share, others = peers
    return (
        f"{len(stuck)} of {n} PRs made ready in the last {STALL_WEEKS} weeks waited "
        f"more than {days} for a first review ({int(stuck['open'].sum())} "
        "still waiting, the others reviewed or closed late)"
        + (
            f", against {number(peer_share, 'share')} in {', '.join(others)}"
            if peer_share is not None
            else ""
        )
        + f". {cost.text}."
        + (
            f" Open PRs most likely to stall (of those {risk.window_text}, the ages the "
            f"model was trained on): {risk.describe()}."
            if risk.refs
            else ""
        )
        + (f" {risk.abandoned_text}" if risk.abandoned else "")
    )


def _stall_method(ctx: DetectorContext, days: str, model_note: str) -> str:
    return (
        "Share of PRs made ready in the window whose first review by someone else "
        f"came after more than {days} ({stall_hours(ctx, ctx.team.slug):g} working "
        "hours; or has not come yet), 95% bootstrap "
        "interval; compared with similar teams. Open PRs ranked by the stall model "
        f"({model_note})."
    )


def _stall_cost(ctx: DetectorContext, stuck: pd.DataFrame, days: str) -> Cost:
    """The stuck PRs' wait beyond the limit, in working PR-days (abandoned ones left out)."""
    from analytics.insights.stall import ABANDONED_DAYS

    return waiting_cost(
        float((stuck["wait"] - stuck["limit"]).sum()),
        day_hours=ctx.team.calendar.day_hours,
        clock="working",
        what=f"for a first review beyond {days} (PRs open over {ABANDONED_DAYS:g} days not "
        "counted)",
        weeks=STALL_WEEKS,
    )


def _against_peers(share: Interval, peer_share: float | None) -> Effect | None:
    """The stall share against the peers' (None when they have none to divide by)."""
    if not peer_share:
        return None
    return effect_between(share.value, peer_share, "share", scaled_interval(share, peer_share))


@detector(
    "stalled_prs",
    description="Pull requests waiting days for a first review, and open ones likely to stall",
    privacy="work",
    supersedes=("review_bottleneck", "wip_rising", "lead_time_stage"),
)
def stalled_prs(ctx: DetectorContext) -> list[Insight]:
    w = waits(ctx, ctx.team.slug)
    w = w[np.isfinite(w["wait"])]
    if len(w) < MIN_TEAM_PRS:
        return []
    flags = _stall_share(w)
    share = bootstrap_stat(flags, np.mean)
    stalled = int(flags.sum())
    if share is None or stalled < STALL_MIN:
        return []
    others, peer_share = _peer_stall_share(ctx)
    need = STALL_SHARE * ctx.factor("stalled_prs")
    if share.value < need or share.low < need / 2:
        return []
    if peer_share is not None and share.value < 2 * peer_share:
        return []
    from analytics.insights.stall import at_risk

    risk = at_risk(ctx)
    stuck = w[(w["wait"] > w["limit"]) & ~w["ref"].isin(set(risk.abandoned))]
    stuck = stuck.sort_values(["wait", "ref"], ascending=[False, True], kind="stable")
    days = f"{ctx.data.org.thresholds.stall_days:g} working days"
    cost = _stall_cost(ctx, stuck, days)
    refs = list(risk.refs) + [str(r) for r in stuck["ref"]]
    return [
        Insight(
            team=ctx.team.slug,
            kind="stalled_prs",
            week=ctx.week,
            severity="critical" if share.value >= 0.4 else "warning",
            title=f"{number(share.value, 'share')} of PRs waited over {days} for a first review",
            summary=_stall_summary(
                len(w), w[w["wait"] > w["limit"]], days, (peer_share, others), risk, cost
            )
            + context_suffix(ctx),
            metric="review-time",
            value=share.value,
            baseline=None,
            peer_value=peer_share,
            unit="share",
            n=len(w),
            effect=_against_peers(share, peer_share),
            cost=cost,
            clock="working",
            compared_with="similar teams",
            peers=tuple(others) if peer_share is not None else (),
            evidence=evidence(ctx, refs, "PR"),
            method=method(
                ctx,
                _stall_method(ctx, days, risk.model_note),
                baseline_label="similar teams' share over the same weeks",
                window_weeks=STALL_WEEKS,
            ),
            next_step=NEXT_STEP_STALLED_PRS,
            score=2.5 + share.value * 2,
            extra={"at_risk": list(risk.refs), "factors": list(risk.factors)}
            | {"abandoned": len(risk.abandoned)},
        )
    ]
