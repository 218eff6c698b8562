"""A Digest as a Slack message (Block Kit) or as plain text for the console (pure functions).

Layout: header; the DORA line with trend arrows; either a one-line quiet-week note or up to
a few insights, each with its evidence, next step and (in the channel) a 👍/👎 pair; a
footer that says how the numbers were made. The trend chart goes into the thread separately.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.digest.build import Digest
from bot.slack.blocks.answers import Rendered, metric_line
from bot.slack.blocks.common import Block, context, divider, fit, header, section
from bot.slack.blocks.insights import insight_blocks
from bot.slack.limits import ensure_blocks
from bot.slack.text import escape


def dora_line(digest: Digest) -> str:
    if not digest.dora:
        return "_No DORA metrics yet: the engine has none to serve._"
    return "  ·  ".join(metric_line(v) for v in digest.dora)


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
        section(dora_line(digest)),
        context(
            f"{digest.start:%a %d %b} to {digest.end:%a %d %b} "
            f"({escape(digest.team)}'s time zone); "
            "arrows compare with each metric's baseline."
        ),
    ]
    if digest.quiet:
        blocks.append(section("Quiet week: nothing flagged. Keep doing what you are doing."))
    else:
        blocks.append(divider())
        for ins in digest.insights:
            up, down = tallies.get(ins.id, (0, 0))
            blocks.extend(insight_blocks(ins, interactive=interactive, up=up, down=down))
            blocks.append(divider())
        if digest.series:
            blocks.append(context("Trend chart in the thread."))
    blocks.append(
        context("Team-level figures only; insights are hypotheses, not verdicts. `/metrics help`")
    )
    blocks = fit(blocks)
    text = render_fallback(digest)
    ensure_blocks(blocks, text=text)
    return Rendered(text, blocks)


def render_fallback(digest: Digest) -> str:
    """The notification text: team, week, DORA numbers, how many flags."""
    dora = ", ".join(
        f"{v.info.short or v.info.label} {v.shown} {v.change_text}".strip() for v in digest.dora
    )
    flags = "quiet week" if digest.quiet else f"{len(digest.insights)} flagged"
    return escape(f"Weekly digest for {digest.team_name} ({digest.week}): {dora}; {flags}")


def render_digest_text(digest: Digest) -> str:
    """A plain-text digest for the console and `metrics-bot digest TEAM` without --post."""
    lines = [f"Weekly digest · {digest.team_name} · {digest.week}"]
    lines += [f"  {v.info.label}: {v.shown} {v.change_text}".rstrip() for v in digest.dora]
    if digest.quiet:
        lines.append("Quiet week: nothing flagged.")
    for ins in digest.insights:
        lines.append(f"- [{ins.severity}] {ins.title}")
        lines.append(f"  {ins.summary}")
        if ins.method:
            lines.append(f"  How: {ins.method}")
        for ev in ins.evidence[:5]:
            lines.append(f"  Evidence: {ev.label}" + (f" {ev.url}" if ev.url else ""))
        if ins.next_step:
            lines.append(f"  Try: {ins.next_step}")
    return "\n".join(lines)
