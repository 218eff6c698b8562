"""Pull request lifecycles: commits, drafts, review requests, review rounds, merges, closes.

Every wait is drawn log-normally in the working hours of whoever has to act next (the author
for coding and fixes, the reviewer for pickup and re-review), so weekends, nights, holidays
and vacations stretch wall-clock times the way they do in real teams. Team profiles bend the
draws: slower reviews (team-b), concentrated reviewers, stalled pull requests, after-hours
commits, a review SLA from a given week.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sandbox.sim import names
from sandbox.sim.clock import DAY, HOUR, Span
from sandbox.sim.model import SimCommit, SimPull, SimReview, SimRun
from sandbox.sim.rand import lognormal, poisson, sha, weighted
from sandbox.sim.roster import Member, RepoSpec, TeamSpec

PR_KINDS = ("feat", "fix", "chore", "refactor", "docs")
_MIX = {
    "product": (45, 25, 12, 12, 6),
    "platform": (35, 20, 20, 18, 7),
    "infrastructure": (25, 20, 35, 12, 8),
    "legacy": (15, 45, 15, 20, 5),
}
_LABEL = {"feat": "feature", "fix": "bug", "chore": "tech-debt", "refactor": "tech-debt"}
_UTC = ZoneInfo("UTC")
_MINUTE = 60.0


@dataclass(slots=True)
class RepoCtx:
    """What the generators of one repository need to know."""

    team: TeamSpec
    repo: RepoSpec
    span: Span
    rng: random.Random

    def others(self, login: str, week: int | None = None) -> tuple[list[Member], list[float]]:
        pool = self.team.members if week is None else self.team.present(week)
        people = [m for m in pool if m.login != login]
        return people, [m.review_weight for m in people]

    def pick_reviewers(self, author: str, n: int, t: float) -> list[Member]:
        """Reviewers by the team's habits, skipping whoever is away that day."""
        people, weights = self.others(author)
        away = [k for k, m in enumerate(people) if m.cal.local_day(t) in m.cal.days_off]
        if len(away) < len(people):
            for k in reversed(away):
                del people[k], weights[k]
        chosen: list[Member] = []
        for _ in range(min(n, len(people))):
            m = weighted(self.rng, people, weights)
            k = people.index(m)
            chosen.append(m)
            del people[k], weights[k]
        return chosen


def _commit(ctx: RepoCtx, t: float, author: str, tz: ZoneInfo, msg: str, adds: int) -> SimCommit:
    rng = ctx.rng
    return SimCommit(t, author, tz, sha(rng), msg, adds, int(adds * rng.uniform(0.05, 0.7)))


def human_pull(ctx: RepoCtx, author: Member, t_first: float) -> SimPull:
    """One pull request by a team member whose first commit is at `t_first`."""
    d = draft_pull(ctx, author, t_first)
    _review_and_finish(ctx, d.pull, author, d.ready, d.week)
    d.spread_size()
    return d.pull


@dataclass(slots=True)
class Draft:
    """A pull request up to the moment it is ready for review: what review needs next."""

    pull: SimPull
    author: Member
    ctx: RepoCtx
    ready: float
    week: int
    share: int  # lines per commit before the last one
    adds: int  # the PR's size in added lines

    def spread_size(self) -> None:
        """Spread the size over the commits exactly (fix-up commits included)."""
        p = self.pull
        for k, c in enumerate(p.commits):
            c.additions = (
                self.share if k < len(p.commits) - 1 else max(1, self.adds - self.share * k)
            )
        p.commits.sort(key=lambda c: c.t)
        p.additions = sum(c.additions for c in p.commits)
        p.deletions = sum(c.deletions for c in p.commits)


def draft_pull(
    ctx: RepoCtx,
    author: Member,
    t_first: float,
    p_after: float | None = None,
    size_median: float = 60.0,
    peer_comment: bool = True,
) -> Draft:
    """Coding, commits, opening, draft period and CI of one pull request. `p_after`: the
    chance each commit (and the opening) is pushed after hours (default: the team's that
    week); `peer_comment`: a peer may comment on a draft (demo worlds)."""
    rng, team, cal = ctx.rng, ctx.team, author.cal
    week = ctx.span.week_of(t_first)
    kind = weighted(rng, PR_KINDS, _MIX[ctx.repo.kind])
    topic = rng.choice(names.TOPICS)
    desc = f"{rng.choice(names.VERBS[kind])} {topic}"
    slug = topic.replace(" ", "-")
    title = f"{kind}: {desc}" if rng.random() < 0.6 else desc[0].upper() + desc[1:]
    if rng.random() < 0.65:
        head_ref = f"{kind}/{slug}"
    else:
        head_ref = rng.choice(
            (f"{author.login}/{slug}", slug, f"{team.tracker_key.lower()}-{rng.randint(1, 900)}")
        )
    labels: list[str] = []
    if rng.random() < 0.45 and kind in _LABEL:
        label = _LABEL[kind]
        if ctx.repo.kind == "infrastructure" and kind == "chore":
            label = "ops"
        labels.append(label)
    adds = int(lognormal(rng, size_median, 1.2)) + 1
    p = SimPull(
        created=0.0,
        author=author.login,
        is_bot=False,
        title=title,
        body=f"{desc[0].upper()}{desc[1:]}.\n\nPart of {team.tracker_key}-{rng.randint(1, 400)}.",
        head_ref=head_ref,
        labels=labels,
        draft=rng.random() < 0.18,
        changed_files=max(1, int(math.sqrt(adds) / 1.5) + rng.randint(0, 3)),
    )
    # Coding: commits spread over the author's working time, some pushed after hours.
    coding = min(lognormal(rng, 5.0, 1.0), 60.0) * HOUR
    n_commits = 1 + poisson(rng, 0.8 + min(3.0, adds / 150))
    times = [t_first] + [cal.add_work(t_first, coding * rng.random()) for _ in range(n_commits - 1)]
    if p_after is None:
        p_after = team.after_hours(week)
    times = sorted(cal.after_hours_near(t, rng) if rng.random() < p_after else t for t in times)
    t_open = cal.add_work(t_first, coding)
    if rng.random() < p_after:
        t_open = cal.after_hours_near(t_open, rng)
    t_open = max(t_open, times[-1] + rng.uniform(60, 900))
    share = max(1, adds // n_commits)
    for k, t in enumerate(times):
        msg = title if k == 0 else rng.choice(("wip", "more tests", "fix tests", "tidy up"))
        p.commits.append(_commit(ctx, t, author.login, cal.tz, msg, share))
    p.created = t_open
    ready = t_open
    if p.draft:
        ready = cal.add_work(t_open, lognormal(rng, 3.0, 1.0) * HOUR)
        if rng.random() < 0.5:
            p.commits.append(
                _commit(
                    ctx,
                    ready - rng.uniform(60, 1200),
                    author.login,
                    cal.tz,
                    "ready for review",
                    share,
                )
            )
        p.events.append((ready, "READY_FOR_REVIEW", author.login, ""))
    p.runs.append(
        SimRun(
            t_open + 20,
            p.commits[-1].sha if not p.draft else p.commits[0].sha,
            head_ref,
            "pull_request",
        )
    )
    _bot_review(ctx, p, t_open)
    if peer_comment and p.draft and rng.random() < 0.12 and ready - t_open > 2 * HOUR:
        peer = ctx.pick_reviewers(author.login, 1, t_open)[0]
        p.reviews.append(
            SimReview(rng.uniform(t_open + HOUR, ready - HOUR), peer.login, "COMMENTED")
        )
    return Draft(p, author, ctx, ready, week, share, adds)


def _bot_review(ctx: RepoCtx, p: SimPull, t_open: float) -> None:
    bot = ctx.team.bot_reviewer
    if bot and ctx.repo.host == "github" and ctx.rng.random() < 0.35:
        p.reviews.append(SimReview(t_open + ctx.rng.uniform(60, 480), bot, "COMMENTED"))


def _review_and_finish(ctx: RepoCtx, p: SimPull, author: Member, ready: float, week: int) -> None:
    """Request reviews at `ready`, run review rounds, then merge, close or leave open."""
    rng, team = ctx.rng, ctx.team
    stalled = rng.random() < team.stalled_share
    u = rng.random()
    fate = "merge" if u < 0.9 else ("close" if u < 0.985 else "abandon")
    if stalled and rng.random() < 0.4:
        fate = "abandon"
    reviewers = ctx.pick_reviewers(author.login, 2 if rng.random() < 0.35 else 1, ready)
    for r in reviewers:
        p.events.append((ready + 5, "REVIEW_REQUESTED", author.login, r.login))
    if fate == "abandon":
        if rng.random() < 0.5:
            _close(p, author, author.cal.add_work(ready, lognormal(rng, 90, 0.7) * HOUR))
        return
    pm = team.pickup_median(week)
    rr = team.pickup_wh * team.review_factor * 0.6
    pick = lognormal(rng, 50.0, 0.6) if stalled else lognormal(rng, pm, 1.0)
    r1 = reviewers[0]
    t = r1.cal.add_work(ready, pick * HOUR)
    state = weighted(rng, ("APPROVED", "CHANGES_REQUESTED", "COMMENTED"), (55, 27, 18))
    if fate == "close":
        if rng.random() < 0.6:
            p.reviews.append(SimReview(t, r1.login, rng.choice(("CHANGES_REQUESTED", "COMMENTED"))))
        else:
            t = ready
        closed = author.cal.add_work(t, lognormal(rng, 12, 1.0) * HOUR)
        _close(p, author, closed)
        if rng.random() < 0.8:
            return
        t = author.cal.add_work(closed, lognormal(rng, 20, 1.0) * HOUR)
        p.events.append((t, "REOPENED", author.login, ""))
        t = author.cal.add_work(t, lognormal(rng, 1.5, 0.8) * HOUR)
        p.commits.append(_commit(ctx, t, author.login, author.cal.tz, "rework", 10))
        p.runs.append(SimRun(t + 20, p.commits[-1].sha, p.head_ref, "pull_request"))
        t = r1.cal.add_work(t, lognormal(rng, rr, 0.9) * HOUR)
        state = "APPROVED"
    rounds = 0
    while True:
        review = SimReview(t, r1.login, state)
        p.reviews.append(review)
        if state == "APPROVED":
            break
        rounds += 1
        if state == "CHANGES_REQUESTED" or rng.random() < 0.5:
            t = author.cal.add_work(t, lognormal(rng, 2.0, 1.0) * HOUR)
            p.commits.append(_commit(ctx, t, author.login, author.cal.tz, "address review", 20))
            p.runs.append(SimRun(t + 20, p.commits[-1].sha, p.head_ref, "pull_request"))
        t = r1.cal.add_work(t, lognormal(rng, rr, 0.9) * HOUR)
        state = (
            "APPROVED"
            if rounds >= 3
            else weighted(rng, ("APPROVED", "CHANGES_REQUESTED", "COMMENTED"), (70, 18, 12))
        )
    approved = t
    if rng.random() < 0.05:  # new commits dismiss the approval; approved again later
        tc = author.cal.add_work(approved, lognormal(rng, 1.0, 1.0) * HOUR)
        p.commits.append(_commit(ctx, tc, author.login, author.cal.tz, "rebase on main", 5))
        p.runs.append(SimRun(tc + 20, p.commits[-1].sha, p.head_ref, "pull_request"))
        review.dismissed_at = tc + 30
        approved = r1.cal.add_work(tc + 30, lognormal(rng, rr, 0.9) * HOUR)
        p.reviews.append(SimReview(approved, r1.login, "APPROVED"))
    merger = author if rng.random() < 0.85 else r1
    merged = merger.cal.add_work(approved, lognormal(rng, 0.4, 1.2) * HOUR)
    for r2 in reviewers[1:]:
        t2 = r2.cal.add_work(ready, lognormal(rng, pm, 1.0) * HOUR)
        if t2 < merged:
            p.reviews.append(SimReview(t2, r2.login, rng.choice(("APPROVED", "COMMENTED"))))
    _merge(ctx, p, merger.login, merged)


def _close(p: SimPull, author: Member, t: float) -> None:
    p.events.append((t, "CLOSED", author.login, ""))


def _merge(ctx: RepoCtx, p: SimPull, by: str, t: float) -> None:
    p.merged_at, p.merged_by, p.merge_sha = t, by, sha(ctx.rng)
    p.events.append((t, "MERGED", by, ""))
    p.runs.append(SimRun(t + 15, p.merge_sha, "main", "push"))


def bot_pull(ctx: RepoCtx, bot: str, t: float) -> SimPull:
    """A dependency bump by dependabot or renovate, reviewed (or ignored) by the team."""
    rng = ctx.rng
    dep = rng.choice(names.DEPENDENCIES)
    major, minor = rng.randint(1, 9), rng.randint(0, 30)
    new = f"{major}.{minor + 1}.0"
    if bot.startswith("dependabot"):
        title = f"Bump {dep} from {major}.{minor}.{rng.randint(0, 9)} to {new}"
        head_ref = f"dependabot/npm_and_yarn/{dep.replace('/', '-')}-{new}"
        labels = ["dependencies"]
    else:
        title = f"chore(deps): update dependency {dep} to v{new}"
        head_ref = f"renovate/{dep.replace('/', '-')}-{major}.x"
        labels = []
    p = SimPull(t, bot, True, title, f"Bumps {dep} to {new}.", head_ref, labels, False)
    p.commits.append(_commit(ctx, t - 60, bot, _UTC, title, rng.randint(2, 40)))
    p.runs.append(SimRun(t + 20, p.commits[0].sha, head_ref, "pull_request"))
    p.additions = p.commits[0].additions
    p.deletions = p.commits[0].deletions
    p.changed_files = rng.randint(1, 2)
    people, weights = ctx.others(bot, ctx.span.week_of(t))
    if rng.random() < 0.18:
        _close_bot(p, bot, t + lognormal(rng, 7, 0.6) * DAY)
        return p
    r = weighted(rng, people, weights)
    p.events.append((t + 2, "REVIEW_REQUESTED", bot, r.login))
    tr = r.cal.add_work(
        t, lognormal(rng, ctx.team.pickup_median(ctx.span.week_of(t)) * 1.8, 1.1) * HOUR
    )
    p.reviews.append(SimReview(tr, r.login, "APPROVED"))
    _merge(ctx, p, r.login, r.cal.add_work(tr, lognormal(rng, 0.2, 1.0) * HOUR))
    return p


def _close_bot(p: SimPull, bot: str, t: float) -> None:
    p.events.append((t, "CLOSED", bot, ""))


def revert_pull(ctx: RepoCtx, original: SimPull, t: float, actor: Member) -> SimPull:
    """An emergency revert during an incident: reviewed and merged within minutes."""
    rng = ctx.rng
    title = f'Revert "{original.title}"'
    p = SimPull(t, actor.login, False, title, "", "", [], False, reverts=original)
    p.commits.append(
        _commit(
            ctx,
            t - rng.uniform(60, 300),
            actor.login,
            actor.cal.tz,
            title,
            max(1, original.deletions),
        )
    )
    p.additions, p.deletions = p.commits[0].additions, original.additions
    p.changed_files = original.changed_files
    p.runs.append(SimRun(t + 20, p.commits[0].sha, "", "pull_request"))
    reviewer = ctx.pick_reviewers(actor.login, 1, t)[0]
    p.events.append((t + 5, "REVIEW_REQUESTED", actor.login, reviewer.login))
    tr = t + lognormal(rng, 10, 0.6) * _MINUTE
    p.reviews.append(SimReview(tr, reviewer.login, "APPROVED"))
    _merge(ctx, p, actor.login, tr + lognormal(rng, 3, 0.5) * _MINUTE)
    return p
