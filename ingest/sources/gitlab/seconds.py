"""GitLab times cut to the whole second, so a row's key is the same whichever API read it.

GitLab's REST API gives times with milliseconds, its GraphQL `Time` whole seconds
(ingest.sources.gitlab.graphql). Review requests and timeline events are keyed by their time
(`ReviewRequest` on the reviewer and `requested_at`, `PrEvent` on the kind and `at`), so a
merge request read over both paths would be stored twice, a fraction of a second apart.
Every time read from a note or a commit is therefore cut to the second on both paths
(`whole_second`, in ingest.sources.gitlab.merge_requests), and keys stored before that with
milliseconds are cut at the start of the next sync (`normalise_stored`): a row whose cut key
is already stored is a duplicate and goes. Reviews are keyed by note id, not time: their
`submitted_at` is cut when their merge request is read again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ingest.sources.gitlab.normalise import SOURCE
from store.marks import mark_all
from store.models import PrEvent, ReviewRequest

# Tables keyed by a GitLab time: (model, the key's other columns besides source, repo and
# pr_number, the time column).
TIME_KEYED: tuple[tuple[Any, tuple[str, ...], str], ...] = (
    (ReviewRequest, ("reviewer_key",), "requested_at"),
    (PrEvent, ("kind",), "at"),
)


def whole_second(at: datetime) -> datetime:
    """`at` without its fraction of a second (GraphQL's precision)."""
    return at.replace(microsecond=0)


def normalise_stored(session: Session) -> int:
    """Cut the stored GitLab key times that carry a fraction of a second (rows written by
    the REST path before this rule); returns how many rows changed or went. Once done, each
    sync only asks for such rows and finds none."""
    changed = 0
    for model, others, column in TIME_KEYED:
        time = getattr(model, column)
        stale = select(model).where(model.source == SOURCE, _fractional(session, time))
        for row in session.scalars(stale.order_by(model.id)).all():
            cut = whole_second(getattr(row, column))
            same = select(model.id).where(
                model.source == SOURCE,
                model.repo == row.repo,
                model.pr_number == row.pr_number,
                *(getattr(model, c) == getattr(row, c) for c in others),
                time == cut,
            )
            if session.scalars(same).first() is not None:
                session.delete(row)
            else:
                setattr(row, column, cut)
            session.flush()
            changed += 1
    if changed:  # rows moved or went outside the upsert that marks them
        mark_all(session, "gitlab_seconds")
    return changed


def _fractional(session: Session, time: Any) -> ColumnElement[bool]:
    """Whether a stored instant has a fraction of a second (to the millisecond on SQLite,
    GitLab's precision)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("second", time) != time
    return func.strftime("%f", time) != func.strftime("%S.000", time)
