"""The store on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select

from store.db import current_revision, make_engine, session_factory, transaction, upgrade
from store.models import Base, DigestSent, PullRequest, Review
from store.people import pseudonym
from store.upsert import upsert

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _pr(number: int, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "source": "github",
        "repo": "acme/payments",
        "number": number,
        "title": f"PR {number}",
        "state": "open",
        "created_at": T0,
        "updated_at": T0,
        "labels": ["feature"],
        "merged_at": None,
    }
    row.update(changes)
    return row


@pytest.fixture
def factory(database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def _head() -> str:
    """The newest revision shipped in store/migrations (one head: migrations form a line)."""
    from store.db import head_revisions

    (head,) = head_revisions()
    return head


def test_upgrade_creates_every_table_and_is_repeatable(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # a second start changes nothing
    assert current_revision(engine) == _head()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    for table in Base.metadata.tables.values():  # every model column exists in the database
        columns = {c["name"] for c in inspect(engine).get_columns(table.name)}
        assert set(table.columns.keys()) <= columns, table.name
    engine.dispose()


def test_upsert_inserts_then_updates_in_place(factory) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        assert upsert(s, PullRequest, [_pr(1), _pr(2)], ["source", "repo", "number"]) == 2
    later = T0 + timedelta(hours=5)
    with transaction(factory) as s:
        upsert(
            s,
            PullRequest,
            [_pr(1, state="merged", merged_at=later, updated_at=later), _pr(2)],
            ["source", "repo", "number"],
        )
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(PullRequest)) == 2
        pr1 = s.scalars(select(PullRequest).where(PullRequest.number == 1)).one()
        assert pr1.state == "merged"
        assert pr1.merged_at == later
        assert pr1.labels == ["feature"]


def test_rows_with_different_columns_are_refused(factory) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="same columns"), transaction(factory) as s:
        upsert(s, PullRequest, [_pr(1), {**_pr(2), "closed_at": T0}], ["source", "repo", "number"])


def test_upsert_of_many_rows_splits_statements_under_the_parameter_limit(factory) -> None:  # type: ignore[no-untyped-def]
    rows = [_pr(n) for n in range(1, 5001)]
    with transaction(factory) as s:
        assert upsert(s, PullRequest, rows, ["source", "repo", "number"]) == 5000
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(PullRequest)) == 5000


def test_times_come_back_aware_utc_whatever_offset_went_in(factory) -> None:  # type: ignore[no-untyped-def]
    pacific = timezone(timedelta(hours=-8))
    with transaction(factory) as s:
        upsert(
            s,
            Review,
            [
                {
                    "source": "github",
                    "repo": "acme/payments",
                    "pr_number": 1,
                    "external_id": "r1",
                    "state": "APPROVED",
                    "submitted_at": datetime(2026, 11, 24, 22, 30, tzinfo=pacific),
                }
            ],
            ["source", "repo", "pr_number", "external_id"],
        )
    with factory() as s:
        review = s.scalars(select(Review)).one()
    assert review.submitted_at == datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
    assert review.submitted_at.tzinfo is not None


def test_naive_datetimes_are_refused(factory) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import StatementError

    with pytest.raises(StatementError, match="naive datetime"), transaction(factory) as s:
        upsert(
            s, PullRequest, [_pr(1, created_at=datetime(2026, 1, 1))], ["source", "repo", "number"]
        )


def test_a_second_digest_claim_for_the_same_week_is_rejected(factory) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import IntegrityError

    claim = {
        "team_slug": "team-a",
        "week": "2026-W48",
        "audience": "team",
        "channel": "C1",
        "status": "claimed",
        "claimed_at": T0,
    }
    with transaction(factory) as s:
        s.add(DigestSent(**claim))
    with pytest.raises(IntegrityError), transaction(factory) as s:
        s.add(DigestSent(**claim))


def test_pseudonyms_are_stable_keyed_and_case_insensitive() -> None:
    a = pseudonym(b"k1", "github", "Alice")
    assert a == pseudonym(b"k1", "github", "alice")
    assert a != pseudonym(b"k2", "github", "alice")
    assert a != pseudonym(b"k1", "gitlab", "alice")
    assert "alice" not in a and len(a) == 32


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_rows_sharing_a_key_in_one_call_keep_the_last(factory) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        written = upsert(
            s, PullRequest, [_pr(1, title="old"), _pr(1, title="new")], ["source", "repo", "number"]
        )
    assert written == 1
    with factory() as s:
        assert s.scalars(select(PullRequest.title)).all() == ["new"]


def test_an_upsert_that_changes_nothing_writes_nothing(factory) -> None:  # type: ignore[no-untyped-def]
    """Idle syncs re-read rows they already hold (issue 20): the same values again are not
    rewritten, and the count says only what changed (a NULL to a value, a list, a time)."""
    keys = ["source", "repo", "number"]
    rows = [_pr(n) for n in range(1, 301)]
    with transaction(factory) as s:
        assert upsert(s, PullRequest, rows, keys) == 300
    with transaction(factory) as s:
        assert upsert(s, PullRequest, rows, keys) == 0
    later = T0 + timedelta(minutes=1)
    rows[0] = _pr(1, merged_at=later)  # NULL -> a time
    rows[1] = _pr(2, labels=["feature", "bug"])  # JSON text
    rows[2] = _pr(3, updated_at=later)
    with transaction(factory) as s:
        assert upsert(s, PullRequest, rows, keys) == 3
    rows[0] = _pr(1, merged_at=None)  # a time -> NULL
    with transaction(factory) as s:
        assert upsert(s, PullRequest, [*rows, _pr(301)], keys) == 2
    with factory() as s:
        pr1 = s.scalars(select(PullRequest).where(PullRequest.number == 1)).one()
        pr2 = s.scalars(select(PullRequest).where(PullRequest.number == 2)).one()
        assert pr1.merged_at is None and pr2.labels == ["feature", "bug"]
        assert s.scalar(select(func.count()).select_from(PullRequest)) == 301
