"""Annotations and experiments from Slack, end to end (issue 19, items 1, 2 and 4).

`/metrics annotate` by the team's people (not only leads), changed or removed only by the
author or a lead, shown in the digest and marked on its charts; experiments started from
`/metrics experiment start` and from an insight's button (a modal prefilled, checked by the
Slack fake), listed, stopped, reported; and each bad input answered with one clear
sentence. The real Bolt app over HTTP, the Slack fake, a real SQLite store, TinyEngine.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.digest import post_digest
from bot.digest.build import build_digest
from store.models import Annotation, Experiment
from tests.bot.helpers import LEAD, MEMBER
from tests.bot.manage_world import OUTSIDER, PEOPLE, World, world_fixture  # noqa: F401

START = 'experiment start team-a "{}" --metric review-time --weeks 6'


def digest_message(world: World) -> dict[str, object]:
    """The newest digest in team-a's channel (its charts go to the thread)."""
    found = [
        m
        for m in world.slack.messages("C0TEAMA001")
        if "Weekly digest" in json.dumps(m.get("blocks"))
    ]
    return found[-1]


def _rows(world: World) -> list[tuple[int, str, bool, str | None]]:
    with world.deps.sessions() as s:
        return [
            (a.id, a.note, a.exclude_from_baseline, a.created_by)
            for a in s.scalars(select(Annotation).order_by(Annotation.id))
        ]


def test_team_members_annotate_and_only_the_author_or_a_lead_changes_it(world: World) -> None:
    added = world.ask('annotate team-a 2026-11-16..2026-11-18 "security training"', MEMBER)
    assert "Annotated #1 for team-a" in added and "left out of baselines" in added
    refused = world.ask('annotate team-a 2026-11-16 "not mine to say"', OUTSIDER)
    assert "Only Team A's people annotate its weeks" in refused
    other = world.ask('annotate edit 1 "something else"', PEOPLE[0])
    assert "Only whoever added an annotation or one of Team A's leads can change it" in other
    edited = world.ask('annotate edit 1 "security training week" --keep-in-baseline', MEMBER)
    assert "Changed annotation #1" in edited and "kept in baselines" in edited
    second = world.ask('annotate 2026-11-19..2026-11-20 "offsite"', PEOPLE[1])  # channel's team
    assert "Annotated #2" in second
    assert "Removed annotation #2" in world.ask("annotate remove 2", LEAD)
    assert _rows(world) == [(1, "security training week", False, MEMBER)]
    listed = world.ask("annotate list team-a", PEOPLE[2])
    assert "#1 security training week (2026-11-16 to 2026-11-18, kept in baselines)" in listed

    digest = build_digest(world.deps, world.deps.config.team("team-a"), "2026-W47")  # type: ignore[arg-type]
    assert [n.id for n in digest.notes] == [1]
    assert all(c.annotated == ("W47",) for c in digest.series.values()) and digest.series
    assert post_digest(world.deps, "team-a").status == "posted"
    msg = digest_message(world)
    assert "📝 Annotated: #1 security training week" in json.dumps(
        msg["blocks"], ensure_ascii=False
    )


@pytest.mark.parametrize(
    ("text", "user", "expected"),
    [
        (
            START.replace("review-time", "reveiw-time").format("x"),
            MEMBER,
            "I don't know the metric `reveiw-time`. Did you mean `review-time`?",
        ),
        (
            'experiment start team-z "x" --metric review-time',
            MEMBER,
            "I don't know the team `team-z`. Did you mean `team-a`",
        ),
        (START.format("x") + " --from 2026-11-30", MEMBER, "2026-11-30 is in the future"),
        (
            START.format("x").replace("--weeks 6", "--weeks 40"),
            MEMBER,
            "An experiment runs 2 to 26 weeks, not 40",
        ),
        ('experiment start team-a "x"', MEMBER, "Which metric should it move?"),
        ('experiment start team-a "x --metric review-time', MEMBER, "A quote is not closed"),
        (START.format("x") + " --colour red", MEMBER, "I don't know the option `--colour`"),
        (START.format("x"), OUTSIDER, "Only Team A's people start its experiments"),
        ('experiment report team-a "nothing"', MEMBER, "Team A has no experiment called"),
        ('annotate team-a 2026-12-01..2026-12-02 "offsite"', MEMBER, "is in the future"),
        ('annotate team-a 2026-11-31 "x"', MEMBER, "holds a date that does not exist"),
        ('annotate team-q 2026-11-02 "x"', MEMBER, "I don't know the team `team-q`"),
        ('annotate edit 99 "x"', LEAD, "There is no annotation #99"),
    ],
)
def test_each_bad_input_gets_one_clear_sentence(
    world: World, text: str, user: str, expected: str
) -> None:
    assert expected in world.ask(text, user)
    with world.deps.sessions() as s:
        assert s.scalars(select(Experiment)).all() == []


def test_an_experiment_is_planned_listed_refused_twice_stopped_and_reported(world: World) -> None:
    plan = world.ask(START.format("daily review slot") + ' --hypothesis "fewer waits"', MEMBER)
    assert "Started: Experiment “daily review slot” · Team A · time to first review" in plan
    assert "it can detect a fall of" in plan and "Controls, fixed at the start: team-b" in plan
    overlap = world.ask(START.format("pairing"), PEOPLE[0])
    assert "“daily review slot” (running) already tests time to first review" in overlap
    taken = world.ask(START.format("daily review slot").replace("review-time", "lead-time"), LEAD)
    assert "already has an experiment called “daily review slot”" in taken
    listed = world.ask("experiment list", PEOPLE[3], channel="C0TEAMB001")
    assert "team-a · “daily review slot” · review_time · 2026-W48, 6 weeks" in listed
    assert "running, week 1 of 6" in listed
    refused = world.ask('experiment stop team-a "daily review slot"', PEOPLE[0])
    assert "Only whoever added an experiment or one of Team A's leads" in refused
    stopped = world.ask('experiment stop "daily review slot"', LEAD)
    assert "Stopped “daily review slot”" in stopped
    report = world.ask('experiment report team-a "daily review slot"', PEOPLE[4])
    assert "stopped after 0 of 6 weeks" in report and "Too early to tell" in report
    with world.deps.sessions() as s:
        row = s.scalars(select(Experiment)).one()
    assert (row.status, row.created_by, row.stopped_by) == ("stopped", MEMBER, LEAD)
    assert row.plan["controls"] == ["team-b", "team-c"] and row.result["verdict"] == "too_early"


def test_an_insight_button_opens_a_prefilled_modal_that_starts_the_experiment(
    world: World,
) -> None:
    assert post_digest(world.deps, "team-a").status == "posted"
    msg = digest_message(world)
    world.click(msg, "experiment_try", PEOPLE[0])
    assert world.slack.wait_for(lambda: len(world.slack.opened_views) == 1)
    view = world.slack.opened_views[0]  # the fake checked it against Slack's modal limits
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["name"]["initial_value"].startswith("Try a daily review slot")
    assert fields["metric"]["initial_option"]["value"] == "review-time"
    assert fields["start"]["initial_date"] == "2026-11-23"

    def submit(day: str) -> dict[str, object]:
        values = {
            "name": {"text": {"type": "plain_text_input", "value": "daily review slot"}},
            "metric": {
                "choice": {
                    "type": "static_select",
                    "selected_option": {
                        "text": {"type": "plain_text", "text": "x"},
                        "value": "review-time",
                    },
                }
            },
            "weeks": {
                "choice": {
                    "type": "static_select",
                    "selected_option": {
                        "text": {"type": "plain_text", "text": "4 weeks"},
                        "value": "4",
                    },
                }
            },
            "start": {"day": {"type": "datepicker", "selected_date": day}},
            "hypothesis": {"text": {"type": "plain_text_input", "value": ""}},
        }
        resp = world.sender.view_submission(
            f"{world.url}/slack/events", view, values, user_id=PEOPLE[0]
        )
        assert resp.status_code == 200
        return resp.json() if resp.content else {}

    future = submit("2026-12-25")
    assert future["response_action"] == "errors" and "in the future" in future["errors"]["start"]
    assert submit("2026-11-23") == {}  # accepted: the modal closes, the work goes on
    [done] = world.wait_ephemerals(PEOPLE[0], 1)
    assert "Started: Experiment “daily review slot”" in done and "4 weeks" in done
    with world.deps.sessions() as s:
        row = s.scalars(select(Experiment)).one()
    assert row.insight_id is not None and row.weeks == 4 and row.created_by == PEOPLE[0]
    world.clock.now = datetime(2026, 11, 30, 8, tzinfo=UTC)
    assert post_digest(world.deps, "team-a").status == "posted"
    text = json.dumps(digest_message(world)["blocks"], ensure_ascii=False)
    assert "🧪 Experiments" in text and "“daily review slot” (time to first review, running" in text
