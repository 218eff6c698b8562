"""`metrics-bot purge --person`: one person's rows gone or anonymised, everyone else's intact."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from store.db import make_engine, session_factory, transaction, upgrade
from store.models import (
    Base,
    Commit,
    Page,
    Person,
    PullRequest,
    Review,
    ReviewRequest,
    TeamMember,
    WorkItem,
)
from store.people import pseudonym
from store.purge import DELETED, ERASED

SECRET = "pseudonym-key-for-tests"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CONFIG = """
teams:
  - slug: team-a
    name: Team A
    slack_channel: C0TEAMA001
    tz: Europe/Berlin
    members:
      - {github: Octocat, jira: acc-octo}
      - {github: hubot}
"""


def _key(source: str, identity: str) -> str:
    return pseudonym(SECRET.encode(), source, identity)


OCTO, OCTO_JIRA, HUBOT = (
    _key("github", "octocat"),
    _key("jira", "acc-octo"),
    _key("github", "hubot"),
)


def _activity(session: Any, key: str, n: int) -> None:
    """A person's footprint: membership, a PR, a commit, a review, a request, a page, an item."""
    session.add_all(
        [
            Person(key=key),
            TeamMember(team_slug="team-a", person_key=key),
            PullRequest(
                source="github", repo="acme/pay", number=n, author_key=key, team_slug="team-a",
                state="merged", created_at=T0, updated_at=T0,
            ),
            Commit(
                source="github", repo="acme/pay", pr_number=n, sha=f"{n:040d}", author_key=key,
                authored_at=T0, author_utc_offset_min=60,
            ),
            Review(
                source="github", repo="acme/pay", pr_number=n + 100, external_id=f"r{n}",
                reviewer_key=key, state="APPROVED", submitted_at=T0, submitted_utc_offset_min=60,
            ),
            ReviewRequest(
                source="github", repo="acme/pay", pr_number=n + 100, reviewer_key=key,
                requested_at=T0,
            ),
            Page(
                source="pagerduty", external_id=f"p{n}", incident_external_id="i1",
                responder_key=key, team_slug="team-a", at=T0,
            ),
        ]
    )  # fmt: skip


@pytest.fixture
def store(database_url: str, tmp_path: Path) -> Any:
    engine = make_engine(database_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as s:
        _activity(s, OCTO, 1)
        _activity(s, HUBOT, 2)
        s.add(Person(key=OCTO_JIRA))
        for key, n in ((OCTO_JIRA, 1), (HUBOT, 2)):
            s.add(
                WorkItem(
                    source="jira", external_id=f"w{n}", key=f"PAY-{n}", project="PAY",
                    team_slug="team-a", status="Done", status_category="done",
                    created_at=T0, updated_at=T0, assignee_key=key,
                )
            )  # fmt: skip
    config = tmp_path / "metrics-bot.yaml"
    config.write_text(CONFIG)
    env = {"DATABASE_URL": database_url, "METRICS_BOT_PSEUDONYM_KEY": SECRET}
    yield sessions, config, env
    engine.dispose()


def _keys_in_store(sessions: Any) -> set[str]:
    """Every value of every person-key column, across the schema."""
    found: set[str] = set()
    with sessions() as s:
        for model, column in DELETED:
            found |= set(s.scalars(select(getattr(model, column))))
        for model, column, _ in ERASED:
            found |= set(s.scalars(select(getattr(model, column))))
    return found - {None}


def test_purge_removes_every_trace_of_the_person_and_keeps_the_team_rows(store) -> None:  # type: ignore[no-untyped-def]
    sessions, config, env = store
    result = CliRunner().invoke(
        main, ["--config", str(config), "purge", "--person", "github:octocat"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "purged github:octocat (2 identities)" in result.output  # GitHub and Jira
    assert "rows deleted: people 2, team_members 1, review_requests 1" in result.output
    assert (
        "rows kept for team figures: pull_requests 1, commits 1, reviews 1, pages 1, work_items 1"
        in result.output
    )
    assert "still lists this person in team-a" in result.output
    assert _keys_in_store(sessions) == {HUBOT}  # nothing carries either of octocat's keys
    with sessions() as s:
        prs = {pr.number: pr for pr in s.scalars(select(PullRequest))}
        assert prs[1].author_key is None and prs[1].team_slug == "team-a"  # still the team's
        assert prs[2].author_key == HUBOT
        commits = {c.pr_number: c for c in s.scalars(select(Commit))}
        assert commits[1].author_utc_offset_min is None  # where they work from, gone too
        assert commits[2].author_utc_offset_min == 60
        assert len(s.scalars(select(Page)).all()) == 2  # the team's paging figures unchanged


def test_a_second_purge_finds_nothing_and_exits_2(store) -> None:  # type: ignore[no-untyped-def]
    _, config, env = store
    args = ["--config", str(config), "purge", "--person", "jira:ACC-OCTO"]  # case-insensitive
    assert CliRunner().invoke(main, args, env=env).exit_code == 0
    again = CliRunner().invoke(main, args, env=env)
    assert again.exit_code == 2
    assert again.stderr.strip().count("\n") == 0  # one line
    assert "nothing stored for jira:ACC-OCTO" in again.stderr


@pytest.mark.parametrize(
    ("person", "message"),
    [
        ("github:nobody", "nothing stored for github:nobody"),
        ("octocat", "must be SOURCE:IDENTITY"),
        ("slack:U123", "must be SOURCE:IDENTITY"),
        ("github:", "must be SOURCE:IDENTITY"),
    ],
)
def test_an_unknown_or_malformed_person_gets_one_line_and_exit_2(store, person, message) -> None:  # type: ignore[no-untyped-def]
    sessions, config, env = store
    before = _keys_in_store(sessions)
    result = CliRunner().invoke(
        main, ["--config", str(config), "purge", "--person", person], env=env
    )
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and message in result.stderr
    assert _keys_in_store(sessions) == before


# columns named `*_key` that hold a work item's key (an epic, a linked issue), not a person
ITEM_KEYS = {
    ("work_items", "parent_key"),
    ("work_item_links", "item_key"),
    ("work_item_links", "other_key"),
}


def test_every_person_key_column_in_the_schema_is_purged() -> None:
    """A new column holding a person key must be added to store.purge, or this fails."""
    covered = {(m.__tablename__, c) for m, c in DELETED} | {
        (m.__tablename__, c) for m, c, _ in ERASED
    }
    person_columns = {
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if column.name.endswith("_key") or (table.name == "people" and column.name == "key")
    } - ITEM_KEYS
    assert person_columns == covered
