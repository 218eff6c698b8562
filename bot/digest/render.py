"""A Digest as a Slack message (Block Kit) or as plain text for the console (pure functions).

Layout: header; one line per DORA figure read against its usual range (an arrow only
beyond it, analytics.noise), a sparkline of its last weeks, its n and its week; the week's
dates (Monday to Sunday) and the test behind the arrows; the figures withheld for privacy
with their reason; either a one-line quiet-week note or up to a few insights, each with one
context line of figures and a "How this was computed" button in place of the method
paragraph; a footer. The trend charts go into the thread separately.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from analytics.noise import TEST_TEXT
from bot.digest.build import Digest
from bot.digest.extras import dora_extra, extra_blocks, extra_text
from bot.digest.headline import Headline
from bot.digest.hidden import hidden_blocks, hidden_text, quiet_text
from bot.digest.weeks import parse_week
from bot.goals.section import goal_blocks, goal_lines
from bot.slack.blocks.answers import Rendered
from bot.slack.blocks.common import Block, context, divider, fit, header, section
from bot.slack.blocks.insights import figures, insight_blocks
from bot.slack.blocks.trend import sparkline
from bot.slack.limits import ensure_blocks
from bot.slack.text import escape

NO_DORA = "_No DORA metrics yet: the engine has none to serve._"


def headlines_of(digest: Digest) -> tuple[Headline, ...]:
    """The digest's headline figures (a Digest built by hand may carry only its views)."""
    return digest.headlines or tuple(Headline(v) for v in digest.dora)


def dora_line(digest: Digest) -> str:
    """All DORA figures on one line, each with its n (the leaders' digest puts one per team)."""
    if not digest.dora:
        return NO_DORA
    return "  ·  ".join(
        f"*{escape(h.view.info.label)}* {h.short_text()} ({h.n_text})" for h in headlines_of(digest)
    )


def week_short(week: str) -> str:
    """ "W47" from "2026-W47"."""
    return week.rsplit("-", 1)[-1]


def week_days(week: str) -> tuple[date, date]:
    """The Monday and the Sunday of ISO week `week` (its days, in any zone)."""
    year, number = parse_week(week)
    monday = date.fromisocalendar(year, number, 1)
    return monday, monday + timedelta(days=6)


def headline(h: Headline, trend: tuple[float | None, ...], week: str) -> str:
    """ "*Lead time* 29 h within the usual range (20 h–35 h)  ▃▄▄▅▆▆▇█  _n=12 PRs · W47_":
    the figure against its usual range, its last weeks at a glance, then how many items and
    which week it stands for."""
    line = f"*{escape(h.view.info.label)}* {h.reading_text()}"
    spark = sparkline(trend)
    if spark:
        line += f"  {spark}"
    return line + f"  _{h.n_text} · {week_short(week)}_"


def dora_lines(digest: Digest) -> str:
    """One DORA figure per line, each with its reading, trend, n and week (team's digest)."""
    if not digest.dora:
        return NO_DORA
    return "\n".join(
        headline(h, digest.trends.get(h.view.info.id, ()), digest.week)
        for h in headlines_of(digest)
    )


def withheld_note(digest: Digest) -> str:
    """ "Withheld: After-hours work (fewer than 5 people); ...": every figure the digest may
    not show, with the reason the engine gave; "" when nothing was withheld."""
    if not digest.withheld:
        return ""
    return "Withheld: " + "; ".join(
        f"{escape(label)} ({escape(reason)})" for label, reason in digest.withheld
    )


def render_digest(
    digest: Digest,
    *,
    interactive: bool = True,
    tallies: Mapping[str, tuple[int, int]] | None = None,
) -> Rendered:
    """The digest message; `interactive=False` for previews (no vote buttons)."""
    tallies = tallies or {}
    blocks: list[Block] = [
        header(f"Weekly digest · {digest.team_name} · {digest.week}"),
        section(dora_lines(digest) + dora_extra(digest)),
        context(window_note(digest), *([withheld_note(digest)] if digest.withheld else [])),
    ]
    if digest.quiet:
        blocks.append(section(quiet_text(digest.hidden)))
    else:
        blocks.append(divider())
        for ins in digest.insights:
            up, down = tallies.get(ins.id, (0, 0))
            blocks.extend(insight_blocks(ins, interactive=interactive, up=up, down=down))
            blocks.append(divider())
        if digest.series:
            blocks.append(
                context(
                    f"Trend charts in the thread: {escape(', '.join(digest.series))}; the "
                    "band is the team's usual range (p25–p75 of its baseline weeks)"
                    + (
                        ", the dashed line its similar teams' median."
                        if any(c.peers for c in digest.series.values())
                        else "."
                    )
                )
            )
    blocks.extend(goal_blocks(digest.goals))
    blocks.extend(hidden_blocks(digest.hidden, digest.snoozes, digest.tz, interactive=interactive))
    blocks.extend(extra_blocks(digest, interactive=interactive))
    blocks.append(
        context("Team-level figures only; insights are hypotheses, not verdicts. `/metrics help`")
    )
    blocks = fit(blocks)
    text = render_fallback(digest)
    ensure_blocks(blocks, text=text)
    return Rendered(text, blocks)


def window_note(digest: Digest) -> str:
    """The week's dates (Monday to Sunday, in the team's zone), the test behind the arrows
    and what the sparklines show."""
    weeks = len(next(iter(digest.trends.values()), ()))
    spark = f" Sparklines: the last {weeks} weeks, lowest ▁ to highest █." if weeks else ""
    monday, sunday = week_days(digest.week)
    return (
        f"{week_short(digest.week)}: {monday:%a %d %b} to {sunday:%a %d %b} "
        f"({escape(digest.tz)}). n: the items behind each figure; {TEST_TEXT}.{spark}"
    )


def render_fallback(digest: Digest) -> str:
    """The notification text: team, week, DORA numbers, how many flags."""
    dora = ", ".join(
        f"{h.view.info.label} {h.short_text()} ({h.n_text})" for h in headlines_of(digest)
    )
    flags = "quiet week" if digest.quiet else f"{len(digest.insights)} flagged"
    return escape(f"Weekly digest for {digest.team_name} ({digest.week}): {dora}; {flags}")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_digest_text(digest: Digest) -> str:
    """A plain-text digest for the console and `metrics-bot digest TEAM` without --post."""
    lines = [f"Weekly digest · {digest.team_name} · {digest.week}"]
    for h in headlines_of(digest):
        spark = sparkline(digest.trends.get(h.view.info.id, ()))
        line = f"  {h.view.info.label}: {_unescape(h.reading_text())}"
        lines.append(f"{line}  {spark}  {h.n_text}" if spark else f"{line}  {h.n_text}")
    lines.append(f"  {_unescape(window_note(digest))}")
    if digest.withheld:
        lines.append(f"  {_unescape(withheld_note(digest))}")
    if digest.quiet:
        lines.append("Quiet week: nothing flagged.")
    for ins in digest.insights:
        lines.append(f"- [{ins.severity}] {ins.title}")
        lines.append(f"  {ins.summary}")
        lines.append(f"  {_unescape(figures(ins))}")
        if ins.extra.get("likely_cause"):
            lines.append(f"  Why (hypothesis): {ins.extra['likely_cause']}")
        if ins.method:
            lines.append(f"  How: {ins.method}")
        for ev in ins.evidence[:5]:
            lines.append(f"  Evidence: {ev.label}" + (f" {ev.url}" if ev.url else ""))
        if ins.next_step:
            lines.append(f"  Try: {ins.next_step}")
    lines.extend(goal_lines(digest.goals))
    lines.extend(hidden_text(digest.hidden, digest.snoozes, digest.tz))
    lines.extend(extra_text(digest))
    return "\n".join(lines)
