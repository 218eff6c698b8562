"""What issues 17 and 19 add to a team's digest, gathered in one place so the digest's own
modules need one hook each: running and just-ended experiments, the team pulse, the
annotations, the epics and projects at delivery risk.

    build.py:  Digest(..., **extras_of(deps, team, week, start, end))
               series = mark_annotated(series, digest.notes, team.tz)
    render.py: pulse_line beside the DORA figures; extra_blocks before the footer;
               extra_text in the console digest
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from bot.config import TeamConfig
from bot.core.annotations import AnnotationRecord
from bot.core.forecast import risky_targets
from bot.core.forecast_text import flag_line
from bot.core.manage import ManageDeps
from bot.digest.annotations import notes_blocks, notes_text, week_notes
from bot.digest.experiments import experiment_blocks, experiment_lines, experiment_text
from bot.digest.pulse import PulseSection, pulse_blocks, pulse_line, pulse_section, pulse_text
from bot.slack.blocks.common import Block, section

if TYPE_CHECKING:
    from bot.digest.build import Digest


class Extras(TypedDict):
    """The Digest fields this module fills."""

    experiments: tuple[str, ...]
    pulse: PulseSection | None
    notes: tuple[AnnotationRecord, ...]
    forecasts: tuple[str, ...]


def extras_of(
    deps: ManageDeps, team: TeamConfig, week: str, start: datetime, end: datetime
) -> Extras:
    return Extras(
        experiments=experiment_lines(deps, team.slug, deps.now()),
        pulse=pulse_section(deps, team, week),
        notes=week_notes(deps, team, start, end),
        forecasts=tuple(flag_line(a) for a in risky_targets(deps, team, end)),
    )


def dora_extra(digest: Digest) -> str:
    """The pulse's aggregate, as one more line under the DORA figures ("" when none)."""
    return ("\n" + pulse_line(digest.pulse)) if digest.pulse and pulse_line(digest.pulse) else ""


def forecast_blocks(lines: tuple[str, ...]) -> list[Block]:
    if not lines:
        return []
    return [section("*Delivery risk* (`/metrics forecast <key>` for more)\n" + "\n".join(lines))]


def extra_blocks(digest: Digest, *, interactive: bool) -> list[Block]:
    """Annotations of the week, delivery risk, experiments, the pulse question."""
    return [
        *notes_blocks(digest.notes, digest.start, digest.end),
        *forecast_blocks(digest.forecasts),
        *experiment_blocks(digest.experiments),
        *pulse_blocks(digest.pulse, interactive=interactive),
    ]


def extra_text(digest: Digest) -> list[str]:
    return [
        *notes_text(digest.notes, digest.start, digest.end),
        *(f"  Delivery risk: {line.replace('*', '')}" for line in digest.forecasts),
        *pulse_text(digest.pulse),
        *experiment_text(digest.experiments),
    ]
