"""The refresh after a sync: recompute and keep the weekly answers its writes may have
changed (`analytics.kept`), with the engine's full computation for the weeks to redo."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from analytics import kept
from analytics.calendar import require_aware
from analytics.context import OrgContext
from analytics.engine import compute_all
from analytics.registry import METRICS, resolve


def refresh(
    *, engine: Engine, org: OrgContext, as_of: datetime, weeks: int = kept.KEEP_WEEKS
) -> kept.Refreshed:
    """Keep the last `weeks` complete weeks of every metric on the org's default clock up
    to date as of `as_of` (run after each sync; an idle sync's refresh is one query)."""
    require_aware(as_of)
    clock = "working" if org.thresholds.working_hours_clock else "wall"
    return kept.refresh(
        engine=engine,
        org=org,
        as_of=as_of,
        specs=[resolve(m) for m in METRICS],
        clock=clock,
        compute=lambda **kw: compute_all(engine=engine, org=org, use_kept=False, **kw),
        weeks=weeks,
    )
