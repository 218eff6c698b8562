"""Numbers read as people read them, and the /metrics grammar with its helpful failures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analytics.values import MetricValue, trend_of
from bot.slack.catalog import Catalog
from bot.slack.errors import UserError
from bot.slack.grammar import USAGE, Command, parse
from bot.slack.values import MetricView, format_value
from tests.bot.helpers import REGISTRY

CATALOG = Catalog(REGISTRY)
TEAMS = ["team-a", "team-b"]
T = datetime(2026, 11, 23, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (29.0, "hours", "29 h"),
        (0.5, "hours", "30 min"),
        (72.0, "hours", "3.0 d"),
        (0.167, "fraction", "16.7%"),
        (4.0, "per week", "4.0/wk"),
        (12, "count", "12"),
        (230, "lines", "230 lines"),
    ],
)
def test_format_value(value: float, unit: str, shown: str) -> None:
    assert format_value(value, unit) == shown


STEADY = (19.0, 20.0, 21.0, 20.0, 19.5, 20.5, 20.0, 20.0)  # baseline weeks: usual range 18.9-21.1 h


def test_trend_arrows_and_verdict_follow_the_metric_sense() -> None:
    """The arrow is the engine's reading against the usual range (analytics.noise): 30 h
    over weeks of 19-21 h is beyond it; 21 h, 5 % above the baseline, is within it; without
    baseline weeks there is no reading at all (no arrow, no "→")."""
    info = CATALOG.resolve("lead-time")
    assert info is not None
    slower = MetricView.of(
        info,
        MetricValue(
            "lead_time",
            "team-a",
            T,
            T,
            30.0,
            "hours",
            10,
            "d",
            baseline=20.0,
            trend=trend_of(30.0, 20.0, False, STEADY),
        ),
    )
    assert (slower.arrow, slower.change_text, slower.verdict) == ("↑", "↑50%", "worse")
    df = CATALOG.resolve("deploys")
    assert df is not None
    more = MetricView.of(
        df,
        MetricValue(
            "deploy_frequency",
            "team-a",
            T,
            T,
            9.0,
            "per week",
            9,
            "d",
            baseline=6.0,
            trend=trend_of(9.0, 6.0, True, (6.0, 5.0, 7.0, 6.0, 6.0)),
        ),
    )
    assert (more.arrow, more.verdict) == ("↑", "better")
    within = MetricView.of(
        info,
        MetricValue(
            "lead_time", "team-a", T, T, 21.0, "hours", 3, "d", baseline=20.0,
            trend=trend_of(21.0, 20.0, False, STEADY),
        ),
    )  # fmt: skip
    assert (within.arrow, within.change_text, within.verdict) == ("", "within the usual range", "")
    assert within.reading_text == "within the usual range (18.9 h–21.1 h, 8 weeks)"
    none = MetricView.of(
        info, MetricValue("lead_time", "team-a", T, T, 21.0, "hours", 3, "d", baseline=20.0)
    )
    assert (none.arrow, none.change_text, none.reading_text) == ("", "", "")
    withheld = MetricView.of(
        info,
        MetricValue(
            "lead_time", "team-a", T, T, None, "hours", 0, "d", withheld_reason="fewer than 5"
        ),
    )
    assert withheld.shown == "withheld"


def cmd(text: str, channel_team: str | None = "team-a") -> Command:
    return parse(text, catalog=CATALOG, teams=TEAMS, channel_team=channel_team)


def test_metric_with_alias_team_and_period_in_any_order() -> None:
    c = cmd("pickup 2w team-b")
    assert (c.verb, c.metric and c.metric.id, c.team, c.period.days, c.share) == (
        "metric",
        "review_time",
        "team-b",
        14,
        False,
    )
    c = cmd("Review_Time share")
    assert (c.team, c.period.days, c.share) == ("team-a", 28, True)
    assert cmd("lead-time team-a quarter").period.days == 91


@pytest.mark.parametrize("text", ["", "help", "HELP"])
def test_help(text: str) -> None:
    assert cmd(text).verb == "help"


def test_verbs() -> None:
    assert cmd("dora").verb == "dora"
    assert cmd("health team-b").team == "team-b"
    assert cmd("bottlenecks").verb == "bottlenecks"
    c = cmd("compare lt team-b 7d")
    assert (c.verb, c.metric and c.metric.id, c.team, c.period.days) == (
        "compare",
        "lead_time",
        "team-b",
        7,
    )
    assert cmd("digest").verb == "digest"
    assert cmd("status", channel_team=None).verb == "status"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("reveiw-time team-a", "Did you mean `review-time`?"),
        (
            "review-time team-c",
            "I don't know the team `team-c`. Did you mean `team-a` or `team-b`?",
        ),
        ("dora platform", "Teams: `team-a`, `team-b`"),
        ("review-time 0d", "A period runs from 1 day"),
        ("review-time 7d 4w", "one period at most"),
        ("compare", "Compare which metric?"),
        ("compare lead-tme", "Did you mean `lead-time`?"),
        ("review-time team-a team-b", "one team at a time"),
    ],
)
def test_bad_input_says_what_to_do(text: str, says: str) -> None:
    with pytest.raises(UserError) as err:
        cmd(text)
    assert says in str(err.value)


def test_garbage_gets_the_usage_line_and_team_is_needed_outside_team_channels() -> None:
    with pytest.raises(UserError) as err:
        cmd("what is the meaning of life")
    assert str(err.value) == USAGE
    with pytest.raises(UserError) as err:
        cmd("dora", channel_team=None)
    assert "Which team?" in str(err.value) and "`team-a`" in str(err.value)


def test_typed_text_is_escaped_in_errors() -> None:
    with pytest.raises(UserError) as err:
        cmd("<!channel> x")
    assert "<!channel>" not in str(err.value)
    with pytest.raises(UserError) as err:
        cmd("review-time <@U0123>")
    assert "&lt;@U0123&gt;" in str(err.value)
