"""Digests for the people who look across teams: leaders weekly, team leads biweekly.

The leaders' digest is one message in the leadership channel: each team's DORA line and how
many things were flagged, then systemic issues and resource-allocation signals
(bot/digest/leaders_signals.py), team-level only. The leads' digest is the team's digest sent to
each configured lead in a direct message (with the vote buttons: votes come from leads).
Both go through the same exactly-once ledger, keyed by audience.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.teams import resolve_team
from bot.digest import claims
from bot.digest.batch import DigestBatch
from bot.digest.build import Digest, build_digest, build_digests
from bot.digest.leaders_signals import signal_blocks
from bot.digest.post import DigestResult, _already_posted, deliver, resolve_week
from bot.digest.render import dora_line
from bot.digest.weeks import last_full_week, parse_week
from bot.slack.blocks.answers import Rendered
from bot.slack.blocks.common import Block, context, fit, header, section
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError
from bot.slack.limits import ensure_blocks
from bot.slack.text import escape

ALL_TEAMS = "*"
LEADS_INSIGHTS = 5
"""The leads' biweekly digest goes deeper than the team's: up to five findings."""


def render_leaders_digest(week: str, digests: Sequence[Digest]) -> Rendered:
    """One line per team: its DORA figures and what was flagged (pure)."""
    blocks: list[Block] = [header(f"Engineering weekly · {week}")]
    for d in digests:
        flagged = (
            "quiet week"
            if d.quiet
            else f"{len(d.insights)} flagged, top: {escape(d.insights[0].title)}"
        )
        blocks.append(section(f"*{escape(d.team_name)}*  {dora_line(d)}\n_{flagged}_"))
    blocks.extend(signal_blocks(digests))
    blocks.append(
        context(
            "Team-level figures, each in the team's own time zone. "
            "Trends compare with each team's own baseline."
        )
    )
    blocks = fit(blocks)
    flags = sum(len(d.insights) for d in digests)
    text = escape(f"Engineering weekly {week}: {len(digests)} teams, {flags} flagged")
    ensure_blocks(blocks, text=text)
    return Rendered(text, blocks)


def post_leaders_digest(
    deps: BotDeps,
    week: str | None = None,
    force: bool = False,
    *,
    fence: claims.Fence | None = None,
) -> DigestResult:
    """The weekly cross-team digest in `slack.leadership_channel`, at most once per week."""
    channel = deps.config.slack.leadership_channel
    if not channel:
        raise UserError(
            "no slack.leadership_channel in the config: the leaders' digest has nowhere to go"
        )
    if week is None:
        week = last_full_week(deps.now(), deps.config.leadership.tz)
    else:
        year, number = parse_week(week)
        week = f"{year}-W{number:02d}"
    key = claims.Key(ALL_TEAMS, week, "leaders")
    done = _already_posted(deps, key, force)
    if done is not None:
        return done
    built = build_digests(deps, [(t, week) for t in deps.config.teams], charts=False)
    digests = [built[t.slug] for t in deps.config.teams]
    rendered = render_leaders_digest(week, digests)
    return deliver(deps, key, channel, None, rendered=rendered, force=force, fence=fence)


def post_leads_digest(
    deps: BotDeps,
    team: str,
    week: str | None = None,
    force: bool = False,
    *,
    fence: claims.Fence | None = None,
    batch: DigestBatch | None = None,
) -> list[DigestResult]:
    """The team's digest in a direct message to each of its leads, once per lead and week
    (`batch`: the scheduler's, built with every team due at the same time)."""
    cfg = resolve_team(deps.config, team)
    label = resolve_week(deps, cfg, week)
    digest: Digest | None = None
    results = []
    for lead in cfg.leads:
        key = claims.Key(cfg.slug, label, f"leads:{lead}")
        done = _already_posted(deps, key, force)
        if done is not None:
            results.append(done)
            continue
        if digest is None:
            digest = (
                batch.leads_digest(cfg, label, LEADS_INSIGHTS)
                if batch is not None
                else build_digest(deps, cfg, label, charts=False, max_insights=LEADS_INSIGHTS)
            )
        results.append(deliver(deps, key, lead, digest, force=force, fence=fence))
    return results
