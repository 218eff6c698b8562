"""`/metrics why` parsing: the metric, the team (named or the channel's), and every mistake
answered with one sentence before the ack."""

from __future__ import annotations

import pytest

from bot.core.ports import default_analytics
from bot.core.why import UnknownWhyMetric
from bot.slack.catalog import Catalog
from bot.slack.errors import UserError
from bot.slack.grammar import parse

TEAMS = ["team-a", "team-b"]


def catalog() -> Catalog:
    port = default_analytics()
    return Catalog(port.metrics, lambda w, c: [])


def ask(text: str, channel: str | None = None):  # type: ignore[no-untyped-def]
    return parse(text, catalog=catalog(), teams=TEAMS, channel_team=channel)


@pytest.mark.parametrize(
    ("text", "metric", "team"),
    [
        ("why review-time team-b", "review-time", "team-b"),
        ("why pickup team-a", "review-time", "team-a"),
        ("why lead-time TEAM-B share", "lead-time", "team-b"),
        ("why cycle-time", "cycle-time", "team-a"),  # the channel's team
    ],
)
def test_why_parses(text: str, metric: str, team: str) -> None:
    cmd = ask(text, channel="team-a")
    assert (cmd.verb, cmd.text, cmd.team) == ("why", metric, team)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("why", "Why what?"),
        ("why velocity team-a", "not `velocity`"),
        ("why reveiw-time team-a", "Did you mean `review-time`?"),
        ("why %%%garbage!! team-a", "`why` explains delays in review-time"),
        ("why review-time team-z", "I don't know the team `team-z`"),
        ("why review-time", "Which team?"),
        ("why review-time team-a 4w", "takes no period"),
    ],
)
def test_why_mistakes_get_one_sentence(text: str, expected: str) -> None:
    with pytest.raises(UserError) as err:
        ask(text)
    assert expected in str(err.value)


def test_an_unknown_metric_is_its_own_error() -> None:
    with pytest.raises(UnknownWhyMetric):
        ask("why deploy-frequency team-a")
