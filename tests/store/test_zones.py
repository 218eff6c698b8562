"""People's time zones in the store (SQLite, and PostgreSQL when TEST_DATABASE_URL is set):
the config's zone is never overwritten by a source, a row without a zone never erases one,
and migration 0004 adds `people.tz_source` to a database that holds people already."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from store.db import current_revision, make_engine, session_factory, transaction, upgrade
from store.models import Person
from store.people import write_config_zones
from store.upsert import upsert


@pytest.fixture
def factory(database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


def _source(key: str, tz: str | None, source: str = "jira") -> dict[str, Any]:
    """A row as a source's normaliser writes it (ingest.zones.person_row)."""
    return {"key": key, "is_bot": False, "tz": tz, "tz_source": source if tz else None}


def _write(factory: sessionmaker[Session], *rows: dict[str, Any]) -> None:
    with transaction(factory) as s:
        upsert(s, Person, list(rows), ("key",))


def _zones(factory: sessionmaker[Session]) -> dict[str, tuple[str | None, str | None]]:
    with factory() as s:
        return {p.key: (p.tz, p.tz_source) for p in s.scalars(select(Person)).all()}


def test_a_config_zone_is_never_overwritten_by_a_source(factory) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        write_config_zones(s, {"k-ana": "Asia/Tokyo"})
    _write(factory, _source("k-ana", "Europe/Berlin"), _source("k-bo", "Europe/Berlin"))
    _write(factory, {"key": "k-ana", "is_bot": True})  # a row without zone columns (GitHub)
    assert _zones(factory) == {
        "k-ana": ("Asia/Tokyo", "config"),
        "k-bo": ("Europe/Berlin", "jira"),
    }
    with factory() as s:  # the other columns are still the newest row's
        assert s.scalars(select(Person.is_bot).where(Person.key == "k-ana")).one() is True


def test_a_row_without_a_zone_never_erases_one_and_a_newer_zone_replaces_it(factory) -> None:  # type: ignore[no-untyped-def]
    _write(factory, _source("k-bo", "Asia/Shanghai"))
    _write(factory, _source("k-bo", None))  # seen again where the source shows no zone
    assert _zones(factory)["k-bo"] == ("Asia/Shanghai", "jira")
    _write(factory, _source("k-bo", "Europe/Lisbon", "pagerduty"))
    assert _zones(factory)["k-bo"] == ("Europe/Lisbon", "pagerduty")
    # within one write too: the zone seen first is kept when a later row shows none
    _write(factory, _source("k-cy", "America/Lima"), _source("k-cy", None))
    assert _zones(factory)["k-cy"] == ("America/Lima", "jira")


def test_config_zones_taken_out_of_the_config_are_cleared(factory) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        write_config_zones(s, {"k-ana": "Asia/Tokyo", "k-bo": "Europe/Berlin"})
    with transaction(factory) as s:  # the config now gives Bo another zone and Ana none
        assert write_config_zones(s, {"k-bo": "Europe/Paris"}) == 2
    assert _zones(factory) == {"k-ana": (None, None), "k-bo": ("Europe/Paris", "config")}
    _write(factory, _source("k-ana", "Asia/Seoul"))  # her source's zone applies again
    assert _zones(factory)["k-ana"] == ("Asia/Seoul", "jira")


def test_migration_0004_adds_tz_source_to_a_store_with_people(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO people (key, is_bot, tz) VALUES ('k-old', false, 'Europe/Oslo')")
        )
    assert "tz_source" not in {c["name"] for c in inspect(engine).get_columns("people")}
    upgrade(engine, "0004_people_tz_source")
    assert current_revision(engine) == "0004_people_tz_source"
    assert "tz_source" in {c["name"] for c in inspect(engine).get_columns("people")}
    factory = session_factory(engine)
    assert _zones(factory) == {"k-old": ("Europe/Oslo", None)}
    _write(factory, _source("k-old", "Europe/Rome"))  # an unattributed zone is a source's
    assert _zones(factory) == {"k-old": ("Europe/Rome", "jira")}
    engine.dispose()
