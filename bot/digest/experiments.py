"""The digest's experiments: those running (week k of n, what they can detect) and the
verdict of any that ended since (its report is computed and kept then, once).

Hooked into the digest by bot/digest/extras.py; rendered by `experiment_blocks` /
`experiment_text`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from bot.core import experiments
from bot.core.experiment_records import ExperimentRecord
from bot.core.experiment_text import progress
from bot.core.manage import ManageDeps
from bot.slack.blocks.common import Block, context, section
from bot.slack.text import escape

log = logging.getLogger("metrics_bot.digest")


def _running_line(rec: ExperimentRecord, now: datetime) -> str:
    label = str(rec.plan.get("metric_label") or rec.metric).lower()
    mde = rec.plan.get("mde_text")
    seen = f"; it can detect {mde}" if mde else ""
    return f"“{rec.name}” ({label}, {progress(rec, now)}, to {rec.last_day}{seen})"


def experiment_lines(deps: ManageDeps, team: str, now: datetime) -> tuple[str, ...]:
    """Plain lines: one per running experiment, one verdict per experiment just ended."""
    lines = [f"Running: {_running_line(r, now)}" for r in experiments.running(deps, team, now)]
    for rec in experiments.ended_unreported(deps, team, now):
        try:
            out = experiments.report(deps, team, rec.name)
        except Exception as exc:  # a failed report must not cost the team its digest
            log.error("experiment report %s/%s failed: %s", team, rec.id, type(exc).__name__)
            continue
        text = (out.record.result or {}).get("text", "")
        lines.append(f"Ended: “{rec.name}”: {text}")
    return tuple(lines)


def experiment_blocks(lines: Sequence[str]) -> list[Block]:
    if not lines:
        return []
    body = "\n".join(f"• {escape(line)}" for line in lines)
    return [
        section(f"*🧪 Experiments*\n{body}"),
        context('`/metrics experiment report <team> "<name>"` for the full report, any time.'),
    ]


def experiment_text(lines: Sequence[str]) -> list[str]:
    return [f"Experiment: {line}" for line in lines]
