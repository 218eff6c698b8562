"""`/metrics why` and `metrics-bot why` as Block Kit and as text (pure): the excess, the
likely cause and the runner-up with their share, evidence and how sure, the next step, and
how it was computed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.blocks.answers import Rendered
from bot.slack.blocks.common import Block, context, header, section
from bot.slack.limits import ensure_blocks
from bot.slack.text import escape

if TYPE_CHECKING:
    from analytics.diagnosis import Cause, Diagnosis

HYPOTHESIS = "A hypothesis from team-level data, not a verdict: check it with the team."


def cause_line(cause: Cause, sure: float | None, rank: str) -> str:
    """ "Likely: reviewer capacity, explains ~55% of the excess (first in 80% ...)" """
    how = f"; first in {sure:.0%} of bootstrap resamples" if sure is not None else ""
    return f"{rank}: {cause.label}, explains ~{cause.share:.0%} of the excess{how}"


def _causes(d: Diagnosis) -> list[tuple[str, Cause]]:
    ranks = ("Likely", "Runner-up")
    return [(ranks[i], c) for i, c in enumerate(d.causes[:2])]


def why_text(d: Diagnosis) -> str:
    """The terminal's answer (the same facts as `why_answer`)."""
    lines = [d.message]
    for rank, cause in _causes(d):
        lines.append(f"- {cause_line(cause, d.sure.get(cause.key), rank)}")
        lines.extend(f"    evidence: {e}" for e in cause.evidence)
        lines.append(f"    next step: {cause.next_step}")
    for key, reason in d.not_looked_at.items():
        lines.append(f"- not looked at: {key} ({reason})")
    if d.method:
        lines.append(f"How: {d.method}")
    if d.status == "diagnosed":
        lines.append(HYPOTHESIS)
    return "\n".join(lines)


def why_answer(d: Diagnosis) -> Rendered:
    """The `/metrics why` message."""
    blocks: list[Block] = [
        header(f"Why: {d.metric} in {d.team}"),
        section(escape(d.message)),
    ]
    for rank, cause in _causes(d):
        evidence = "\n".join(f"• {escape(e)}" for e in cause.evidence)
        blocks.append(
            section(
                f"*{escape(cause_line(cause, d.sure.get(cause.key), rank))}*\n{evidence}\n"
                f"_Try:_ {escape(cause.next_step)}"
            )
        )
    skipped = [f"{k}: {r}" for k, r in d.not_looked_at.items()]
    if skipped:
        blocks.append(context(escape("Not looked at: " + "; ".join(skipped))))
    if d.method:
        blocks.append(context(escape(f"How: {d.method}")[:2900]))
    if d.status == "diagnosed":
        blocks.append(context(HYPOTHESIS))
    ensure_blocks(blocks, text=d.message)
    return Rendered(escape(d.message), blocks)
