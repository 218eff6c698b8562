"""One flagged insight as blocks: the finding, one line of figures, evidence, next step, a
"How this was computed" button and (in the team's digest) a 👍/👎 pair with the tally and,
except on health warnings, a lead's "Snooze…".

The method paragraph is not printed in every insight: the button carries it and answers the
person who asks, ephemerally (bot/slack/actions/method.py). Buttons carry their whole state
in `value` (insight id, team, vote; or the method text), so a click needs no lookup; the
tally block has a stable block_id so the feedback handler can replace it in place.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analytics.insights.hiding import HEALTH_KINDS
from analytics.insights.wording import number
from bot.slack import limits
from bot.slack.blocks.common import Block, actions, button, context, section
from bot.slack.blocks.experiment_modal import Proposal, try_button
from bot.slack.blocks.feedback import snooze_button
from bot.slack.catalog import norm
from bot.slack.text import escape, link

if TYPE_CHECKING:
    from analytics.insights.model import Insight

VOTE_UP = "feedback_up"
VOTE_DOWN = "feedback_down"
SHOW_METHOD = "insight_method"
METHOD_LABEL = "How this was computed"
CLIPPED = " … (shortened to fit a Slack button)"
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


@dataclass(frozen=True)
class MethodNote:
    """What the "How this was computed" button says: the insight's title and full method."""

    insight_id: str
    title: str
    method: str

    def encode(self) -> str:
        """JSON that fits a button value (2000): the method is shortened, and says so, only
        when it would not fit whole."""
        text = self._json(self.method)
        if len(text) <= limits.MAX_BUTTON_VALUE:
            return text
        over = len(text) - limits.MAX_BUTTON_VALUE
        keep = max(0, len(self.method) - over - len(CLIPPED) - 8)
        while len(text := self._json(self.method[:keep] + CLIPPED)) > limits.MAX_BUTTON_VALUE:
            keep = max(0, keep - 50)  # escapes (\u, \") make the JSON longer than the text
        return text

    def _json(self, method: str) -> str:
        return json.dumps(
            {"i": self.insight_id, "t": self.title[:200], "m": method}, separators=(",", ":")
        )

    @classmethod
    def decode(cls, raw: str) -> MethodNote:
        data = json.loads(raw)
        return cls(str(data["i"]), str(data.get("t", "")), str(data["m"]))


def method_button(ins: Insight) -> Block:
    note = MethodNote(ins.id, str(ins.title), ins.method)
    return button(METHOD_LABEL, SHOW_METHOD, note.encode())


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


def _comparison(ins: Insight, unit: str) -> str:
    """ "3.61 working hours vs similar teams 2.53 working hours": the figure and the one
    number it is compared with (the effect is their ratio)."""
    if ins.value is None:
        return ""
    shown = number(ins.value, unit)
    reference = ins.reference
    if reference is None:
        return shown
    return f"{shown} vs {ins.compared_with} {number(reference, unit)}"


CLOCKS = {"working": "working hours", "wall": "wall clock"}


def figures(ins: Insight) -> str:
    """The insight's figures on one line: value vs what it is compared with, the effect (the
    ratio of those two, as titles write it), the waiting it cost, the clock, n and week."""
    parts = [_comparison(ins, ins.unit or "")]
    effect = ins.effect
    if effect is not None:
        parts.append(f"effect {effect.text} {effect.interval_text}".strip())
    if ins.cost is not None:
        parts.append(ins.cost.text)
    if ins.clock and CLOCKS.get(ins.clock, ins.clock) not in (ins.unit or ""):
        parts.append(CLOCKS.get(ins.clock, ins.clock))
    if ins.n:
        parts.append(f"n={ins.n}")
    if ins.week:
        parts.append(str(ins.week).rsplit("-", 1)[-1])
    return " · ".join(escape(p) for p in parts if p)


def _try(ins: Insight) -> list[Block]:
    """ "Try as an experiment" when the insight suggests a step on a metric."""
    if not ins.next_step or not ins.metric:
        return []
    step = str(ins.next_step)
    proposal = Proposal(ins.id, ins.team, norm(str(ins.metric)), step, str(ins.title))
    return [try_button(proposal)]


def insight_blocks(ins: Insight, *, interactive: bool, up: int = 0, down: int = 0) -> list[Block]:
    """Blocks for one `analytics.insights.model.Insight` (all its text escaped)."""
    icon = _SEVERITY.get(ins.severity, ":large_blue_circle:")
    blocks: list[Block] = [
        section(
            f"{icon} *{escape(ins.title)}*\n{escape(ins.summary)}", block_id=f"insight:{ins.id}"
        )
    ]
    line = figures(ins)
    if line:
        blocks.append(context(line))
    cause = ins.extra.get("likely_cause")
    if isinstance(cause, str) and cause:
        blocks.append(context(f"_Why (hypothesis):_ {escape(cause)}"))
    evidence = list(ins.evidence)
    if evidence:
        shown = [link(e.url, e.label) for e in evidence[:MAX_EVIDENCE]]
        more = len(evidence) - MAX_EVIDENCE
        blocks.append(
            context("Evidence: " + ", ".join(shown) + (f" and {more} more" if more > 0 else ""))
        )
    if ins.next_step:
        step = str(ins.next_step)
        label = "" if step.lower().startswith("try") else "_Try:_ "
        blocks.append(section(f"{label}{escape(step)}"))
    if ins.feedback_note:
        blocks.append(context(f"_{escape(ins.feedback_note)}_"))
    how = [method_button(ins)] if ins.method else []
    if interactive:
        up_vote = Vote(ins.id, ins.team, 1).encode()
        down_vote = Vote(ins.id, ins.team, -1).encode()
        blocks.append(
            actions(
                [
                    button("👍 Useful", VOTE_UP, up_vote),
                    button("👎 Not useful", VOTE_DOWN, down_vote),
                    *how,
                    *([] if ins.kind in HEALTH_KINDS else [snooze_button(ins.id, ins.team)]),
                    *_try(ins),
                ],
                block_id=f"vote:{ins.id}",
            )
        )
        blocks.append(tally_block(ins.id, up, down))
    elif how:
        blocks.append(actions(how, block_id=f"how:{ins.id}"))
    return blocks
