"""One flagged insight as blocks: the finding, its numbers and method, evidence, next step,
and (in the team's digest) a 👍/👎 pair with the leads' tally under it.

The vote buttons carry their whole state in `value` (insight id, team, vote), so a click
needs no lookup to know what was voted on; the tally block has a stable block_id so the
feedback handler can replace it in the posted message.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.slack.blocks.common import Block, actions, button, context, section
from bot.slack.text import escape, link
from bot.slack.values import format_value

VOTE_UP = "feedback_up"
VOTE_DOWN = "feedback_down"
MAX_EVIDENCE = 5
_SEVERITY = {
    "critical": ":red_circle:",
    "warning": ":large_orange_circle:",
    "info": ":large_blue_circle:",
}


@dataclass(frozen=True)
class Vote:
    """What a vote button says: which insight, whose team, up (+1) or down (-1)."""

    insight_id: str
    team: str
    value: int

    def encode(self) -> str:
        return json.dumps(
            {"i": self.insight_id, "t": self.team, "v": self.value}, separators=(",", ":")
        )

    @classmethod
    def decode(cls, raw: str) -> Vote:
        data = json.loads(raw)
        value = int(data["v"])
        if value not in (1, -1):
            raise ValueError("a vote is +1 or -1")
        return cls(str(data["i"]), str(data["t"]), value)


def tally_block_id(insight_id: str) -> str:
    return f"tally:{insight_id}"


def tally_text(up: int, down: int) -> str:
    if up == 0 and down == 0:
        return "Leads: was this useful? Your votes tune what gets flagged."
    return f"👍 {up} · 👎 {down} from the team's leads"


def tally_block(insight_id: str, up: int, down: int) -> Block:
    return context(tally_text(up, down), block_id=tally_block_id(insight_id))


def with_tally(blocks: Sequence[Block], insight_id: str, up: int, down: int) -> list[Block]:
    """The same message with this insight's tally replaced (pure: used for chat.update)."""
    target = tally_block_id(insight_id)
    out = [
        tally_block(insight_id, up, down) if b.get("block_id") == target else dict(b)
        for b in blocks
    ]
    return out


def _numbers(ins: Any) -> str:
    unit = getattr(ins, "unit", "") or ""
    parts: list[str] = []
    if getattr(ins, "value", None) is not None:
        parts.append(f"value {format_value(ins.value, unit)}")
    if getattr(ins, "baseline", None) is not None:
        parts.append(f"baseline {format_value(ins.baseline, unit)}")
    if getattr(ins, "peer_value", None) is not None:
        parts.append(f"peers {format_value(ins.peer_value, unit)}")
    effect = getattr(ins, "effect", None)
    if effect is not None:
        shown = f"effect {effect.value:+.0f}{effect.unit}"
        if effect.low is not None and effect.high is not None:
            shown += f" [{effect.low:.0f}{effect.unit}, {effect.high:.0f}{effect.unit}]"
        parts.append(shown)
    if getattr(ins, "cost_hours_per_week", None):
        parts.append(f"≈{ins.cost_hours_per_week:.0f} h/week")
    if getattr(ins, "n", 0):
        parts.append(f"n={ins.n}")
    return " · ".join(parts)


def insight_blocks(ins: Any, *, interactive: bool, up: int = 0, down: int = 0) -> list[Block]:
    """Blocks for one `analytics.insights.model.Insight` (all its text escaped)."""
    icon = _SEVERITY.get(getattr(ins, "severity", "info"), ":large_blue_circle:")
    blocks: list[Block] = [
        section(
            f"{icon} *{escape(ins.title)}*\n{escape(ins.summary)}", block_id=f"insight:{ins.id}"
        )
    ]
    facts = [t for t in (_numbers(ins), escape(getattr(ins, "method", ""))) if t]
    if facts:
        blocks.append(context(*facts))
    evidence = list(getattr(ins, "evidence", ()) or ())
    if evidence:
        shown = [link(e.url, e.label) for e in evidence[:MAX_EVIDENCE]]
        more = len(evidence) - MAX_EVIDENCE
        blocks.append(
            context("Evidence: " + ", ".join(shown) + (f" and {more} more" if more > 0 else ""))
        )
    if getattr(ins, "next_step", ""):
        step = str(ins.next_step)
        label = "" if step.lower().startswith("try") else "_Try:_ "
        blocks.append(section(f"{label}{escape(step)}"))
    if getattr(ins, "feedback_note", None):
        blocks.append(context(f"_{escape(ins.feedback_note)}_"))
    if interactive:
        up_vote = Vote(ins.id, ins.team, 1).encode()
        down_vote = Vote(ins.id, ins.team, -1).encode()
        blocks.append(
            actions(
                [
                    button("👍 Useful", VOTE_UP, up_vote),
                    button("👎 Not useful", VOTE_DOWN, down_vote),
                ],
                block_id=f"vote:{ins.id}",
            )
        )
        blocks.append(tally_block(ins.id, up, down))
    return blocks
