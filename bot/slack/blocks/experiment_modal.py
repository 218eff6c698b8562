"""The "Try as an experiment" button on an insight and the modal it opens, prefilled from
the insight (pure). The button carries its whole state (insight, team, metric, the
suggested step) in its value; the modal's private_metadata carries team, insight, channel.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.slack.blocks.common import Block, button, section
from bot.slack.text import escape

TRY = "experiment_try"
START_VIEW = "experiment_start_view"
WEEK_CHOICES = tuple(range(2, 13))
MAX_TITLE = 24


@dataclass(frozen=True)
class Proposal:
    """What "Try as an experiment" carries: the insight, its team and metric, the step."""

    insight_id: str
    team: str
    metric: str
    name: str
    hypothesis: str

    def encode(self) -> str:
        data = {
            "i": self.insight_id,
            "t": self.team,
            "m": self.metric,
            "n": self.name[:200],
            "h": self.hypothesis[:300],
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str) -> Proposal:
        data = json.loads(raw)
        return cls(
            str(data["i"]),
            str(data["t"]),
            str(data.get("m", "")),
            str(data.get("n", "")),
            str(data.get("h", "")),
        )


def try_button(proposal: Proposal) -> Block:
    return button("🧪 Try as an experiment", TRY, proposal.encode())


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:MAX_TITLE], "emoji": True}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label[:75]}, "value": value[:150]}


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }
    if optional:
        block["optional"] = True
    return block


def _text(initial: str, limit: int, *, multiline: bool = False) -> dict[str, Any]:
    el: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "text",
        "max_length": limit,
        "initial_value": initial[:limit],
    }
    if multiline:
        el["multiline"] = True
    return el


def _select(options: list[dict[str, Any]], chosen: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": "choice",
        "options": options,
        "initial_option": chosen,
    }


def _fields(proposal: Proposal, metrics: Sequence[tuple[str, str]], today: date) -> list[Block]:
    """The modal's inputs, prefilled: the step, its metric, 6 weeks, today, the finding."""
    options = [_option(name, label) for name, label in metrics][:100]
    chosen = next((o for o in options if o["value"] == proposal.metric), options[0])
    weeks = [_option(str(w), f"{w} weeks") for w in WEEK_CHOICES]
    day = {"type": "datepicker", "action_id": "day", "initial_date": today.isoformat()}
    return [
        _input("name", "What will the team try?", _text(proposal.name, 200)),
        _input("metric", "Which metric should move?", _select(options, chosen)),
        _input("weeks", "For how long?", _select(weeks, weeks[WEEK_CHOICES.index(6)])),
        _input("start", "Starting on", day),
        _input(
            "hypothesis",
            "Why should it help? (optional)",
            _text(proposal.hypothesis, 2000, multiline=True),
            optional=True,
        ),
    ]


def start_modal(
    proposal: Proposal,
    metrics: Sequence[tuple[str, str]],
    *,
    today: date,
    channel: str,
    team_name: str,
) -> dict[str, Any]:
    """The modal behind the button: name, metric, weeks, start day, hypothesis, prefilled
    from the insight (`metrics`: (name, label) of every testable metric)."""
    meta = {"t": proposal.team, "i": proposal.insight_id, "c": channel}
    intro = section(
        f"For *{escape(team_name)}*. Before it starts you'll see the smallest change it can "
        "detect; at the end, its effect against similar teams."
    )
    return {
        "type": "modal",
        "callback_id": START_VIEW,
        "title": _plain("Start an experiment"),
        "submit": _plain("Start"),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps(meta, separators=(",", ":")),
        "blocks": [intro, *_fields(proposal, metrics, today)],
    }


@dataclass(frozen=True)
class Submitted:
    """The modal's fields as submitted (not yet checked beyond their shapes)."""

    team: str
    insight_id: str | None
    channel: str
    name: str
    metric: str
    weeks: int
    start: date | None
    hypothesis: str


def _value(values: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    found = (values.get(block) or {}).get(action) or {}
    return found if isinstance(found, dict) else {}


def read_start(view: dict[str, Any]) -> Submitted:
    """The submission of `start_modal`; ValueError when a field is missing or malformed."""
    meta = json.loads(str(view.get("private_metadata") or "{}"))
    values = (view.get("state") or {}).get("values") or {}
    metric = (_value(values, "metric", "choice").get("selected_option") or {}).get("value")
    weeks = (_value(values, "weeks", "choice").get("selected_option") or {}).get("value")
    day = _value(values, "start", "day").get("selected_date")
    if not metric or not weeks:
        raise ValueError("metric and weeks are required")
    return Submitted(
        team=str(meta["t"]),
        insight_id=str(meta.get("i") or "") or None,
        channel=str(meta.get("c") or ""),
        name=str(_value(values, "name", "text").get("value") or ""),
        metric=str(metric),
        weeks=int(weeks),
        start=date.fromisoformat(day) if day else None,
        hypothesis=str(_value(values, "hypothesis", "text").get("value") or ""),
    )
