"""Blocks around a vote (pure): the optional "why?" after a thumbs-down, its modal, a lead's
snooze chooser, and the "Show" button of a finding feedback kept out of a message.

Every button carries its whole state in `value` as a `Pick` (insight id, team, and the
choice: a reason code or a number of weeks), so a click needs no lookup but the insight.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.slack.blocks.common import Block, actions, button, context, section
from bot.slack.text import escape, truncate

REASONS: dict[str, str] = {
    "not_actionable": "Not actionable",
    "wrong": "Wrong",
    "already_known": "Already known",
    "other": "Other",
}
"""Why a finding was not useful (the codes are stored with the vote)."""
SNOOZE_WEEKS = (1, 2, 4)

REASON = "feedback_reason"  # a reason button in the follow-up
REASON_MORE = "feedback_reason_more"  # "Other…": opens the modal with free text
REASON_VIEW = "feedback_reason_view"  # the modal's callback_id
SNOOZE = "insight_snooze"  # the button on an insight: asks for how long
SNOOZE_FOR = "insight_snooze_for_"  # + weeks: the chooser's buttons
SHOW_HIDDEN = "hidden_show"
MAX_NOTE = 500
MAX_TITLE = 24  # a modal's title, submit and close texts


@dataclass(frozen=True)
class Pick:
    """What a feedback button says: which insight, whose team, which choice."""

    insight_id: str
    team: str
    choice: str = ""

    def encode(self) -> str:
        return json.dumps(
            {"i": self.insight_id, "t": self.team, "c": self.choice}, separators=(",", ":")
        )

    @classmethod
    def decode(cls, raw: str) -> Pick:
        data = json.loads(raw)
        return cls(str(data["i"]), str(data["t"]), str(data.get("c", "")))


def reason_prompt(pick: Pick, title: str) -> list[Block]:
    """The ephemeral after a thumbs-down: a few reasons to click, or "Other…" to type one."""
    quick = [
        button(label, f"{REASON}_{code}", Pick(pick.insight_id, pick.team, code).encode())
        for code, label in REASONS.items()
        if code != "other"
    ]
    more = button("Other…", REASON_MORE, Pick(pick.insight_id, pick.team, "other").encode())
    return [
        section(f"Vote counted for *{escape(title)}*. Why was it not useful? (optional)"),
        actions([*quick, more], block_id=f"reasons:{pick.insight_id}"[:255]),
        context(
            "One lead's thumbs-down ranks a finding lower; thresholds move only on two or more "
            "leads' votes, within limits. To stop seeing it for a while, snooze it instead."
        ),
    ]


def reason_noted(code: str, title: str, note: str | None = None) -> str:
    said = REASONS.get(code, code).lower()
    extra = f" (“{escape(truncate(note, 200))}”)" if note else ""
    known = (
        " Already-known findings count for ranking only, not for thresholds: the finding was "
        "right. Snooze it to leave it out for a while."
        if code == "already_known"
        else ""
    )
    return f"Noted: *{escape(title)}* was {said}{extra}. Thanks.{known}"


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:MAX_TITLE], "emoji": True}


def _option(code: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": REASONS[code]}, "value": code}


def reason_modal(pick: Pick, title: str) -> dict[str, Any]:
    """The modal behind "Other…": a reason (preset to other) and an optional note."""
    return {
        "type": "modal",
        "callback_id": REASON_VIEW,
        "title": _plain("Why not useful?"),
        "submit": _plain("Save"),
        "close": _plain("Skip"),
        "private_metadata": Pick(pick.insight_id, pick.team).encode(),
        "blocks": [
            section(f"*{escape(truncate(title, 2000))}*"),
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": "Reason"},
                "element": {
                    "type": "radio_buttons",
                    "action_id": "choice",
                    "options": [_option(code) for code in REASONS],
                    "initial_option": _option("other"),
                },
            },
            {
                "type": "input",
                "block_id": "note",
                "optional": True,
                "label": {"type": "plain_text", "text": "In a few words (optional)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": MAX_NOTE,
                },
            },
        ],
    }


def read_submission(view: dict[str, Any]) -> tuple[Pick, str, str | None]:
    """(pick, reason code, note) of the modal's `view_submission`; ValueError if unreadable."""
    pick = Pick.decode(str(view.get("private_metadata") or ""))
    values = (view.get("state") or {}).get("values") or {}
    chosen = ((values.get("reason") or {}).get("choice") or {}).get("selected_option") or {}
    code = str(chosen.get("value") or "other")
    if code not in REASONS:
        raise ValueError(f"unknown reason {code!r}")
    note = ((values.get("note") or {}).get("text") or {}).get("value")
    text = str(note).strip()[:MAX_NOTE] if note else ""
    return pick, code, text or None


def snooze_button(insight_id: str, team: str) -> Block:
    return button("💤 Snooze…", SNOOZE, Pick(insight_id, team).encode())


def snooze_chooser(pick: Pick, title: str) -> list[Block]:
    """The ephemeral a lead gets from "Snooze…": for how long."""
    choices = [
        button(
            f"{n} week{'s' if n > 1 else ''}",
            f"{SNOOZE_FOR}{n}",
            Pick(pick.insight_id, pick.team, str(n)).encode(),
        )
        for n in SNOOZE_WEEKS
    ]
    return [
        section(f"Snooze *{escape(title)}* for how long?"),
        actions(choices, block_id=f"snooze:{pick.insight_id}"[:255]),
        context(
            "A snooze leaves this one finding out of the team's digest for the weeks you pick "
            "(the kind's threshold does not move). The digest and App Home still list it under "
            "what feedback hid, with a Show button, and it comes back by itself."
        ),
    ]


def kind_words(kind: str) -> str:
    """ "review_bottleneck" -> "review bottleneck"."""
    return kind.replace("_", " ")


def local_date(moment: datetime | None, tz: str) -> str:
    """The day `moment` falls on in `tz` (ISO), "later" when unknown."""
    return moment.astimezone(ZoneInfo(tz)).date().isoformat() if moment else "later"


def show_button(insight_id: str, team: str) -> Block:
    return button("Show", SHOW_HIDDEN, Pick(insight_id, team).encode())
