"""The team pulse's blocks (pure): the question with five buttons, the "add a word" follow-up
and its modal. Every button carries team, week and score; nothing carries a person."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.slack.blocks.common import Block, actions, button, context, section
from bot.slack.text import escape

ANSWER = "pulse_answer_"  # + score
WORD = "pulse_word"
WORD_VIEW = "pulse_word_view"
ANSWER_ACTIONS = re.compile(f"^{ANSWER}[1-5]$")
LABELS = {1: "1 · stuck", 2: "2", 3: "3", 4: "4", 5: "5 · in flow"}
MAX_WORD = 30


@dataclass(frozen=True)
class PulsePick:
    """What a pulse button says: which team, which week, which score (0: the word button)."""

    team: str
    week: str
    score: int = 0

    def encode(self) -> str:
        return json.dumps({"t": self.team, "w": self.week, "s": self.score}, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str) -> PulsePick:
        data = json.loads(raw)
        return cls(str(data["t"]), str(data["w"]), int(data.get("s", 0)))


def question_blocks(team: str, week: str, question: str, min_group: int) -> list[Block]:
    """The question about `week` and its five buttons."""
    buttons = [
        button(LABELS[s], f"{ANSWER}{s}", PulsePick(team, week, s).encode()) for s in range(1, 6)
    ]
    return [
        section(f"*Pulse:* {escape(question)} _({escape(week.rsplit('-', 1)[-1])})_"),
        actions(buttons, block_id=f"pulse:{team}:{week}"),
        context(
            "One answer per person, by button; an optional word after it. Shown only as the "
            f"team's aggregate, and only when at least {min_group} people answered; once the "
            "week after closes, nothing stored ties an answer to anyone."
        ),
    ]


def thanks_blocks(pick: PulsePick) -> list[Block]:
    """The ephemeral after an answer: counted, and an optional word."""
    return [
        section(
            f"Counted for {escape(pick.week)}. A word for it? (optional, shown only in the "
            "team's aggregate)"
        ),
        actions([button("Add a word…", WORD, PulsePick(pick.team, pick.week).encode())]),
    ]


def word_modal(pick: PulsePick) -> dict[str, Any]:
    """The modal behind "Add a word…"."""
    return {
        "type": "modal",
        "callback_id": WORD_VIEW,
        "title": {"type": "plain_text", "text": "Pulse: a word", "emoji": True},
        "submit": {"type": "plain_text", "text": "Add", "emoji": True},
        "close": {"type": "plain_text", "text": "Skip", "emoji": True},
        "private_metadata": PulsePick(pick.team, pick.week).encode(),
        "blocks": [
            {
                "type": "input",
                "block_id": "word",
                "label": {"type": "plain_text", "text": f"One word for {pick.week}"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "max_length": MAX_WORD,
                },
            }
        ],
    }


def read_word(view: dict[str, Any]) -> tuple[PulsePick, str]:
    """(team and week, the word) of the modal's submission; ValueError if unreadable."""
    pick = PulsePick.decode(str(view.get("private_metadata") or ""))
    values = (view.get("state") or {}).get("values") or {}
    word = ((values.get("word") or {}).get("text") or {}).get("value")
    return pick, str(word or "")
