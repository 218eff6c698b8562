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
from bot.slack import limits
from bot.slack.blocks.common import Block, actions, button, context, section
from bot.slack.blocks.feedback import snooze_button
from bot.slack.text import escape, link
from bot.slack.values import format_change, format_value

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


def _headline(ins: Insight, unit: str) -> str:
    """ "6 h ↑50% vs baseline 4 h": the figure with its change against the baseline."""
    value, baseline = ins.value, ins.baseline
    if value is None:
        return f"baseline {format_value(baseline, unit)}" if baseline is not None else ""
    shown = format_value(value, unit)
    if baseline is None:
        return shown
    change = format_change((value - baseline) / abs(baseline)) if baseline else ""
    return f"{shown} {change} vs baseline {format_value(baseline, unit)}".replace("  ", " ")


def figures(ins: Insight) -> str:
    """The insight's figures on one line: value vs baseline, peers, effect, cost, n, week."""
    unit = ins.unit or ""
    parts = [_headline(ins, unit)]
    if ins.peer_value is not None:
        parts.append(f"similar teams {format_value(ins.peer_value, unit)}")
    effect = ins.effect
    if effect is not None:
        per = effect.unit if effect.unit in ("%", "") else f" {effect.unit}"
        shown = f"effect {effect.value:+.0f}{per}"
        if effect.low is not None and effect.high is not None:
            shown += f" [{effect.low:.0f}{per}, {effect.high:.0f}{per}]"
        parts.append(shown)
    if ins.cost_hours_per_week:
        parts.append(f"≈{ins.cost_hours_per_week:.0f} h/week")
    if ins.n:
        parts.append(f"n={ins.n}")
    if ins.week:
        parts.append(str(ins.week).rsplit("-", 1)[-1])
    return " · ".join(escape(p) for p in parts if p)


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
                ],
                block_id=f"vote:{ins.id}",
            )
        )
        blocks.append(tally_block(ins.id, up, down))
    elif how:
        blocks.append(actions(how, block_id=f"how:{ins.id}"))
    return blocks
