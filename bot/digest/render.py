"""A Digest as a Slack message (Block Kit) or as plain text for the console (pure functions).

Layout: header; one line per DORA figure with its change against the baseline, a sparkline
of its last weeks, its n and its week; either a one-line quiet-week note or up to a few
insights, each with one context line of figures and a "How this was computed" button in
place of the method paragraph; a footer. The trend charts go into the thread separately.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.digest.build import Digest
from bot.digest.hidden import hidden_blocks, hidden_text, quiet_text
from bot.slack.blocks.answers import Rendered, metric_line
from bot.slack.blocks.common import Block, context, divider, fit, header, section
from bot.slack.blocks.insights import figures, insight_blocks
from bot.slack.blocks.trend import sparkline
from bot.slack.limits import ensure_blocks
from bot.slack.text import escape
from bot.slack.values import MetricView

NO_DORA = "_No DORA metrics yet: the engine has none to serve._"


def dora_line(digest: Digest) -> str:
    """All DORA figures on one line (the leaders' digest puts one per team)."""
    if not digest.dora:
        return NO_DORA
    return "  ·  ".join(metric_line(v) for v in digest.dora)


def week_short(week: str) -> str:
    """ "W47" from "2026-W47"."""
    return week.rsplit("-", 1)[-1]


def headline(view: MetricView, trend: tuple[float | None, ...], week: str) -> str:
    """ "*Lead time* 29 h ↑16% vs baseline  ▃▄▄▅▆▆▇█  _n=12 · W47_": the figure, its change,
    its last weeks at a glance, then how many items and which week it stands for."""
    line = metric_line(view)
    if view.change is not None and view.value is not None and not view.withheld_reason:
        line += " vs baseline"
    spark = sparkline(trend)
    if spark:
        line += f"  {spark}"
    return line + f"  _n={view.n} · {week_short(week)}_"


def dora_lines(digest: Digest) -> str:
    """One DORA figure per line, each with its trend, n and week (the team's digest)."""
    if not digest.dora:
        return NO_DORA
    return "\n".join(
        headline(v, digest.trends.get(v.info.id, ()), digest.week) for v in digest.dora
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
        section(dora_lines(digest)),
        context(window_note(digest)),
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
    blocks.extend(hidden_blocks(digest.hidden, digest.snoozes, digest.tz, interactive=interactive))
    blocks.append(
        context("Team-level figures only; insights are hypotheses, not verdicts. `/metrics help`")
    )
    blocks = fit(blocks)
    text = render_fallback(digest)
    ensure_blocks(blocks, text=text)
    return Rendered(text, blocks)


def window_note(digest: Digest) -> str:
    """The week's dates and what the arrows and sparklines compare."""
    weeks = len(next(iter(digest.trends.values()), ()))
    spark = f"; sparklines: the last {weeks} weeks, lowest ▁ to highest █" if weeks else ""
    zone = ZoneInfo(digest.tz)
    first = digest.start.astimezone(zone)
    last = (digest.end - timedelta(seconds=1)).astimezone(zone)
    return (
        f"{week_short(digest.week)}: {first:%a %d %b} to {last:%a %d %b} "
        f"({escape(digest.tz)}); arrows compare with each metric's baseline{spark}."
    )


def render_fallback(digest: Digest) -> str:
    """The notification text: team, week, DORA numbers, how many flags."""
    dora = ", ".join(f"{v.info.label} {v.shown} {v.change_text}".strip() for v in digest.dora)
    flags = "quiet week" if digest.quiet else f"{len(digest.insights)} flagged"
    return escape(f"Weekly digest for {digest.team_name} ({digest.week}): {dora}; {flags}")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_digest_text(digest: Digest) -> str:
    """A plain-text digest for the console and `metrics-bot digest TEAM` without --post."""
    lines = [f"Weekly digest · {digest.team_name} · {digest.week}"]
    for v in digest.dora:
        spark = sparkline(digest.trends.get(v.info.id, ()))
        line = f"  {v.info.label}: {v.shown} {v.change_text}".rstrip()
        lines.append(f"{line}  {spark}  n={v.n}" if spark else f"{line}  n={v.n}")
    if digest.quiet:
        lines.append("Quiet week: nothing flagged.")
    for ins in digest.insights:
        lines.append(f"- [{ins.severity}] {ins.title}")
        lines.append(f"  {ins.summary}")
        lines.append(f"  {_unescape(figures(ins))}")
        if ins.method:
            lines.append(f"  How: {ins.method}")
        for ev in ins.evidence[:5]:
            lines.append(f"  Evidence: {ev.label}" + (f" {ev.url}" if ev.url else ""))
        if ins.next_step:
            lines.append(f"  Try: {ins.next_step}")
    lines.extend(hidden_text(digest.hidden, digest.snoozes, digest.tz))
    return "\n".join(lines)
