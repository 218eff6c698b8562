"""One home per setting (issue 14): the calendar lives on the team, `baseline_weeks` and
`stall_days` are read where they act, and one privacy function guards every path."""

from __future__ import annotations

import ast
import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from analytics import calendar
from analytics.calendar import WorkCalendar
from analytics.context import TeamContext, Thresholds
from analytics.insights.data import team_weeks
from analytics.insights.detectors.stalls import stall_hours
from analytics.insights.engine import detect_on
from analytics.insights.peers import PeerSet
from analytics.insights.registry import DetectorContext
from analytics.persons import enough_people
from bot.digest import weeks as bot_weeks
from tests.analytics.insights.synth import END, WEEK, Knobs, org_data

ANALYTICS = Path(__file__).resolve().parents[2] / "analytics"


def test_team_holds_one_calendar_built_once() -> None:
    cal = WorkCalendar("Europe/Berlin", (1, 2, 3, 4), time(8), time(18))
    team = TeamContext(slug="x", calendar=cal)
    assert team.calendar is cal and team.calendar is team.calendar  # not rebuilt per access
    assert team.tz == "Europe/Berlin" and cal.day_hours == 10
    with pytest.raises(ValueError, match="unknown time zone"):
        TeamContext(slug="y", calendar=WorkCalendar("Mars/Olympus"))


@pytest.mark.parametrize("tz", ["UTC", "Asia/Tokyo", "America/Los_Angeles", "Europe/Berlin"])
def test_calendar_serves_the_bots_week_functions(tz: str) -> None:
    """bot/digest/weeks.py can call analytics.calendar instead: same labels, same bounds."""
    moment = datetime(2025, 12, 20, 5, 30, tzinfo=UTC)
    for step in range(0, 24 * 400, 7):  # a year and more, across DST changes and year ends
        now = moment + timedelta(hours=step)
        label = bot_weeks.current_week(now, tz)
        assert calendar.current_week(now, tz) == label
        assert calendar.last_full_week(now, tz) == bot_weeks.last_full_week(now, tz)
        assert calendar.week_bounds(label, tz) == bot_weeks.week_bounds(label, tz)
        assert calendar.previous_weeks(label, 3) == bot_weeks.previous_weeks(label, 3)
        assert calendar.day_week_label(now.date()) == bot_weeks.day_week_label(now.date())
    assert calendar.parse_week(" 2026-w47 ") == bot_weeks.parse_week(" 2026-w47 ")
    for bad in ("2026-47", "2025-W53"):
        with pytest.raises(ValueError):
            calendar.parse_week(bad)
    assert calendar.day_week_label(date(2027, 1, 1)) == "2026-W53"


def _context(team_cal: WorkCalendar, **thresholds: float) -> DetectorContext:
    data = org_data(Knobs())
    team = dataclasses.replace(data.org.teams[0], calendar=team_cal)
    data.org = dataclasses.replace(
        data.org, teams=(team, *data.org.teams[1:]), thresholds=Thresholds(**thresholds)
    )
    return DetectorContext(data, team, team_weeks(team, WEEK), PeerSet(team.slug, ()), END)


def test_detector_baseline_reads_thresholds_baseline_weeks() -> None:
    for weeks in (8, 10, 12):
        ctx = _context(WorkCalendar(), baseline_weeks=weeks)
        assert len(ctx.baseline_weeks()) == weeks  # was a hard-coded 12
        assert ctx.baseline_weeks()[-1] == ctx.grid.recent - 1


def test_stall_threshold_is_stall_days_of_the_teams_working_days() -> None:
    assert stall_hours(_context(WorkCalendar()), "team-a") == 24  # 3 days of 09-17
    long_days = WorkCalendar("UTC", (1, 2, 3, 4, 5), time(8), time(18))
    assert stall_hours(_context(long_days), "team-a") == 30  # 3 days of 08-18
    assert stall_hours(_context(long_days, stall_days=2), "team-a") == 20


def test_stalled_pr_detector_follows_stall_days() -> None:
    planted = org_data(Knobs(stall_team="team-a", wait={"team-a": 3.0}))
    found = detect_on(planted, planted.org.teams, WEEK, END)
    (stalled,) = [i for i in found if i.kind == "stalled_prs"]
    assert "3 working days" in stalled.title
    patient = org_data(Knobs(stall_team="team-a", wait={"team-a": 3.0}))
    patient.org = dataclasses.replace(patient.org, thresholds=Thresholds(stall_days=60))
    found = detect_on(patient, patient.org.teams, WEEK, END)
    assert "stalled_prs" not in {i.kind for i in found}  # nothing waited 60 working days


def test_enough_people_is_the_one_privacy_rule() -> None:
    team = TeamContext(slug="t", min_group_size=6)
    assert not enough_people(team, None) and not enough_people(team, 5)
    assert enough_people(team, 6)


def test_no_privacy_check_outside_enough_people() -> None:
    """Every comparison against `min_group_size` in analytics is `enough_people` itself."""
    found = []
    for path in sorted(ANALYTICS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare) and any(
                isinstance(n, ast.Attribute) and n.attr == "min_group_size" for n in ast.walk(node)
            ):
                found.append(f"{path.relative_to(ANALYTICS)}:{node.lineno}")
    # the floor check on TeamContext itself, and the rule
    assert [f.split(":")[0] for f in found] == ["context.py", "persons.py"], found
