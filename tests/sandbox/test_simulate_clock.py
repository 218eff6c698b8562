"""Working-time arithmetic of the simulator and the options of `simulate`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sandbox.sim import simulate
from sandbox.sim.clock import HOUR, Calendar, OffsetTable, local, make_span, utc

BERLIN = ZoneInfo("Europe/Berlin")


def _berlin_calendar(days_off: frozenset[int] = frozenset()) -> tuple[Calendar, int]:
    span = make_span(datetime(2026, 12, 7, tzinfo=UTC), 8)
    weekdays = (True, True, True, True, True, False, False)
    return Calendar(OffsetTable(BERLIN, span), 9 * HOUR, 17 * HOUR, weekdays, days_off), span.t0


def _at(s: str) -> float:
    return datetime.fromisoformat(s).timestamp()


def test_work_time_skips_the_weekend() -> None:
    cal, _ = _berlin_calendar()
    friday_4pm = _at("2026-11-20T16:00:00+01:00")
    assert utc(cal.add_work(friday_4pm, 2 * HOUR)) == "2026-11-23T09:00:00Z"  # Mon 10:00 CET


def test_work_time_starts_at_the_next_morning() -> None:
    cal, _ = _berlin_calendar()
    tuesday_night = _at("2026-11-24T22:00:00+01:00")
    assert local(cal.add_work(tuesday_night, 0), BERLIN) == "2026-11-25T09:00:00+01:00"
    assert local(cal.add_work(tuesday_night, 9 * HOUR), BERLIN) == "2026-11-26T10:00:00+01:00"


def test_days_off_are_skipped() -> None:
    cal, _ = _berlin_calendar()
    monday = _at("2026-11-23T10:00:00+01:00")
    day = cal.local_day(monday)
    away, _ = _berlin_calendar(frozenset({day, day + 1}))
    assert local(away.add_work(monday, HOUR), BERLIN) == "2026-11-25T10:00:00+01:00"
    assert not away.is_workday(day) and cal.is_workday(day)


def test_local_format_carries_the_offset_of_the_instant() -> None:
    summer = _at("2026-07-01T12:00:00+00:00")
    winter = _at("2026-12-01T12:00:00+00:00")
    assert local(summer, BERLIN).endswith("+02:00") and local(winter, BERLIN).endswith("+01:00")
    assert local(winter, ZoneInfo("America/Los_Angeles")) == "2026-12-01T04:00:00-08:00"


def test_span_starts_on_a_monday_before_end() -> None:
    span = make_span(datetime(2026, 11, 25, 15, tzinfo=UTC), 4)
    assert span.start_date.isoweekday() == 1
    assert span.start_date.isoformat() == "2026-10-26"
    assert span.week_label(0) == "2026-W44"


def test_options_change_the_world(tmp_path: Path) -> None:
    end = datetime(2025, 3, 3, 12, tzinfo=UTC)
    summary = simulate(tmp_path / "w", seed=11, teams=2, weeks=3, end=end)
    org = json.loads((tmp_path / "w" / "org.json").read_text())
    assert summary.teams == 2 and [t["slug"] for t in org["teams"]] == ["team-a", "team-b"]
    assert org["end"] == "2025-03-03T12:00:00Z" and org["start"] == "2025-02-10"
    assert org["seed"] == 11
    with (tmp_path / "w" / "github" / "pulls.jsonl").open() as f:
        created = [json.loads(line)["created_at"] for line in f]
    assert created and max(created) <= "2025-03-03T12:00:00Z" and min(created) >= "2025-02-10"
    truth = json.loads((tmp_path / "w" / "ground_truth.json").read_text())
    assert [p["kind"] for p in truth] == ["healthy", "review_bottleneck"]


def test_bad_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scale"):
        simulate(tmp_path, scale="huge")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone"):
        simulate(tmp_path, end=datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        simulate(tmp_path, weeks=0)
