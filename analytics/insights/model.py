"""The Insight value: what a detector found, sized, explained and sourced.

Insights are hypotheses, not verdicts (DESIGN.md): each says what was measured, over which
window, on how many items, against which baseline, what it excluded, and what to try next.
No Slack types here: the bot renders these values into Block Kit.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["info", "warning", "critical"]


@dataclass(frozen=True)
class Evidence:
    """A link to something behind the insight (a PR, an incident, a deployment)."""

    label: str
    url: str | None = None


@dataclass(frozen=True)
class Effect:
    """The size of what was found, with its uncertainty (e.g. +40 % [28 %, 53 %]): the
    relative difference of the insight's value from the number it is compared with
    (`Insight.reference`), as both are shown (`analytics.insights.wording.effect_between`)."""

    value: float
    low: float | None = None
    high: float | None = None
    unit: str = "%"

    @property
    def text(self) -> str:
        """ "+40%": how titles and the figures line both write it."""
        return f"{self.value:+.0f}{self._per}"

    @property
    def interval_text(self) -> str:
        """ "[+28%, +53%]", or "" without an interval."""
        if self.low is None or self.high is None:
            return ""
        return f"[{self.low:+.0f}{self._per}, {self.high:+.0f}{self._per}]"

    @property
    def _per(self) -> str:
        return self.unit if self.unit in ("%", "") else f" {self.unit}"


@dataclass(frozen=True)
class Cost:
    """What a finding costs, as waiting (never as people's hours): e.g. 41 PR-days of PRs
    waiting for a first review beyond the comparison, over `weeks` weeks."""

    amount: float
    unit: str  # "PR-days", "working PR-days", "CI run-hours"
    text: str  # the sentence shown, e.g. "PRs waited 41 PR-days for a first review ..."


@dataclass(frozen=True)
class Insight:
    """One flagged finding for one team and ISO week."""

    team: str
    kind: str  # detector id, e.g. "review_bottleneck"
    week: str  # ISO week "2026-W47" the insight is about
    severity: Severity
    title: str  # one line, plain text, e.g. "Reviews wait 40% longer than in similar teams"
    summary: str  # two or three sentences with the numbers, "associated with", not "caused by"
    metric: str | None = None  # metric id from analytics.engine.METRICS, if one
    value: float | None = None
    baseline: float | None = None
    peer_value: float | None = None
    unit: str = ""
    n: int = 0
    effect: Effect | None = None
    cost: Cost | None = None
    clock: str | None = None  # "working" / "wall": the one clock of every duration shown
    compared_with: str = "baseline"  # what `reference` is: baseline / similar teams / ...
    peers: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    method: str = ""  # how it was computed: window, baseline, test, exclusions
    next_step: str = ""  # a suggested experiment or action
    score: float = 0.0  # ranking score after feedback
    feedback_note: str | None = None  # e.g. "shown less often: leads marked 3 of 4 unhelpful"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def reference(self) -> float | None:
        """The number the value is compared with (and the effect measured against)."""
        return self.peer_value if self.compared_with == "similar teams" else self.baseline

    @property
    def id(self) -> str:
        """Stable id: the same finding for the same team and week is the same insight."""
        raw = f"{self.team}|{self.kind}|{self.week}|{self.metric or ''}"
        return hashlib.sha256(raw.encode()).hexdigest()[:24]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (used by `metrics-bot insights --json` and the store): NaN and
        infinities become None, tuples lists, other objects their text."""
        data = asdict(self)
        data["id"] = self.id
        clean = json_safe(data)
        assert isinstance(clean, dict)
        return clean


def json_safe(value: object) -> object:
    """A JSON-safe copy of `value` (strict JSON has no NaN; detectors' figures can be NaN)."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)
