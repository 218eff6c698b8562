"""The experiment and annotation grammar: what people type, parsed or refused in one sentence
(never a crash), before the ack."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.errors import UserError
from bot.slack.manage_grammar import ManageCommand, is_manage, parse_manage

TEAMS = ["team-a", "team-b", "payments"]


def parse(text: str, channel_team: str | None = "team-a") -> ManageCommand:
    return parse_manage(text, teams=TEAMS, channel_team=channel_team)


def test_the_issue_examples_parse() -> None:
    cmd = parse('experiment start team-b "daily review slot" --metric review-time --weeks 6')
    assert (cmd.area, cmd.action, cmd.team, cmd.text, cmd.metric, cmd.weeks) == (
        "experiment",
        "start",
        "team-b",
        "daily review slot",
        "review-time",
        6,
    )
    note = parse('annotate team-b 2026-11-02..2026-11-06 "security training"')
    assert (note.action, note.team, note.days, note.text, note.keep_in_baseline) == (
        "add",
        "team-b",
        (date(2026, 11, 2), date(2026, 11, 6)),
        "security training",
        None,
    )


def test_curly_quotes_channel_teams_and_defaults() -> None:
    cmd = parse("experiment start “pair on reviews” --metric pickup --from 2026-11-02")
    assert (cmd.team, cmd.text, cmd.start, cmd.weeks) == (
        "team-a",
        "pair on reviews",
        date(2026, 11, 2),
        None,
    )
    assert parse("experiments").action == "list" and parse("experiment list").team is None
    assert parse('experiment report payments "x"').team == "payments"
    edit = parse('annotate edit #12 "offsite" --keep-in-baseline')
    assert (edit.item, edit.text, edit.keep_in_baseline) == (12, "offsite", True)
    assert parse("annotate remove 3").item == 3
    assert is_manage("Experiment list") and not is_manage("review-time team-a")


@pytest.mark.parametrize(
    ("text", "channel_team", "expected"),
    [
        ('experiment start team-x "slot" --metric review-time', "team-a", "I don't know the team"),
        ('experiment start "slot" --metric review-time', None, "Which team?"),
        ("experiment start team-a slot --metric", "team-a", "`--metric` needs a value"),
        ("experiment start team-a slot --weeks six --metric m", "team-a", "whole number"),
        ("experiment start team-a daily review --metric m", "team-a", "Put the experiment's name"),
        ("experiment start team-a x --metric m --from 2026-13-01", "team-a", "is not a date"),
        ("annotate team-a", "team-a", "Which days?"),
        ("annotate edit", "team-a", "Which annotation?"),
        ('annotate team-a 2026-11-02 "x" --keep-in-baseline --exclude', "team-a", "not both"),
        ('annotate team-a 2026-01-01..2026-12-31 "x"', "team-a", "at most 92 days"),
        ('experiment"x"', "team-a", "Usage"),
    ],
)
def test_bad_input_is_one_sentence(text: str, channel_team: str | None, expected: str) -> None:
    with pytest.raises(UserError, match=expected):
        parse(text, channel_team)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "experiment",
                "annotate",
                "start",
                "list",
                "stop",
                "report",
                "edit",
                "remove",
                "team-a",
                "team-q",
                '"',
                "“",
                "--metric",
                "--weeks",
                "--from",
                "--keep-in-baseline",
                "--exclude",
                "2026-11-02",
                "2026-11-02..2026-11-01",
                "#7",
                "12",
                "x y",
                "--",
                "'",
            ]
        )
        | st.text(max_size=12),
        max_size=8,
    )
)
def test_any_words_parse_or_are_refused_never_crash(words: list[str]) -> None:
    text = " ".join(["experiment" if not words or len(words) % 2 else "annotate", *words])
    with contextlib.suppress(UserError):
        parse(text)
