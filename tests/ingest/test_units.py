"""A source's sync cut into units (ingest.units): every partition of every stream in exactly
one unit, grouped by owner, at most `max_size` each, the first one carrying the config rows."""

from __future__ import annotations

from ingest.units import group_of, split, units_of
from tests.ingest.helpers import github_source


def test_partitions_are_grouped_by_owner_and_cut_at_the_size() -> None:
    parts = [f"acme/r{i:02d}" for i in range(5)] + ["beta/web", "beta/sub/api", "PAY", "PAY"]
    units = split("github", parts, max_size=2)
    assert [u.group for u in units] == ["PAY#0", "acme#0", "acme#1", "acme#2", "beta#0"]
    assert [sorted(u.partitions) for u in units][1:3] == [
        ["acme/r00", "acme/r01"],
        ["acme/r02", "acme/r03"],
    ]
    assert [u.first for u in units] == [True, False, False, False, False]
    covered = [p for u in units for p in u.partitions]
    assert sorted(covered) == sorted(set(parts))  # each partition once, none left out
    assert units[1].name == "ingest:github:acme#0"
    assert group_of("group/sub/project") == "group" and group_of("PD123") == "PD123"


def test_a_source_without_partitions_is_one_unit_for_its_config_rows() -> None:
    (unit,) = split("pagerduty", [])
    assert unit.first and unit.partitions == frozenset() and unit.name == "ingest:pagerduty:#0"


def test_units_cover_every_streams_partitions_and_are_the_same_on_every_replica() -> None:
    source = github_source("http://127.0.0.1:9")
    every = {p for stream in source.streams() for p in stream.partitions()}
    units = units_of(source)
    assert set().union(*(u.partitions for u in units)) == every
    assert units == units_of(github_source("http://127.0.0.1:9"))


def test_pagerduty_services_are_one_unit() -> None:
    units = split("pagerduty", [f"PS{i:05d}" for i in range(14)], whole=True)
    assert [(u.name, len(u.partitions), u.first) for u in units] == [
        ("ingest:pagerduty:all#0", 14, True)
    ]
