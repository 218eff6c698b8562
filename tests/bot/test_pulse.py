"""The team pulse (issue 19, item 3 and its done-when).

In the digest, by button, on the real Bolt app and the Slack fake: four answers show
nothing but the count needed; six show the mean, the words and the trend; a second answer
in a week is refused. In the store: once a week closes, no stored answer is linkable to a
person: two runs in which the same scores and words come from different people, in a
different order, leave the database byte-for-byte identical, and no row holds a Slack id,
a hash of one, or the salt that made the hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.core import pulse
from bot.digest import post_digest
from bot.runtime.wiring import org_context
from bot.slack.errors import UserError
from store.db import make_engine, session_factory, upgrade
from store.models import Base, PulseAnswer, PulseSalt, PulseVoter, PulseWeek
from tests.bot.helpers import LEAD, MEMBER, OTHER_LEAD, make_config, make_deps
from tests.bot.manage_world import CONFIG, PEOPLE, World, elements, world_fixture  # noqa: F401

W47_DIGEST = datetime(2026, 11, 23, 8, tzinfo=UTC)  # Monday: W47's digest asks about W47
W48_DIGEST = datetime(2026, 11, 30, 8, tzinfo=UTC)  # W47's pulse closed at midnight, Berlin
W49_DIGEST = datetime(2026, 12, 7, 8, tzinfo=UTC)


def digest(world: World) -> dict[str, Any]:
    assert post_digest(world.deps, "team-a").status == "posted"
    return next(
        m
        for m in reversed(world.slack.messages("C0TEAMA001"))
        if "Weekly digest" in json.dumps(m.get("blocks"))
    )


def answer(world: World, msg: dict[str, Any], user: str, score: int) -> str:
    before = len(world.ephemerals(user))
    world.click(msg, f"pulse_answer_{score}", user)
    return world.wait_ephemerals(user, before + 1)[-1]


def test_four_answers_show_nothing_but_the_count_needed(world: World) -> None:
    world.clock.now = W47_DIGEST
    w47 = digest(world)
    assert [e["action_id"] for e in elements(w47) if e["action_id"].startswith("pulse_")] == [
        f"pulse_answer_{s}" for s in range(1, 6)
    ]
    for user, score in zip((MEMBER, *PEOPLE[:3]), (5, 1, 4, 2), strict=True):
        assert "Counted for 2026-W47" in answer(world, w47, user, score)
    again = answer(world, w47, MEMBER, 3)
    assert "You already answered the pulse of 2026-W47" in again
    thanks = next(m for m in world.ephemerals(PEOPLE[0]) if "pulse_word" in json.dumps(m))
    world.click(thanks, "pulse_word", PEOPLE[0])
    assert world.slack.wait_for(lambda: len(world.slack.opened_views) == 1)
    view = world.slack.opened_views[0]  # the fake checked it against Slack's modal limits
    assert view["callback_id"] == "pulse_word_view" and PEOPLE[0] not in view["private_metadata"]

    def word(text: str) -> dict[str, Any]:
        values = {"word": {"text": {"type": "plain_text_input", "value": text}}}
        resp = world.sender.view_submission(
            f"{world.url}/slack/events", view, values, user_id=PEOPLE[0]
        )
        return resp.json() if resp.content else {}

    assert word("  Meetings ") == {}
    assert "already added a word" in word("again")["errors"]["word"]
    world.clock.now = W48_DIGEST
    text = json.dumps(digest(world)["blocks"], ensure_ascii=False)
    late = answer(world, w47, PEOPLE[4], 4)  # last week's buttons, after it closed
    assert "The pulse of 2026-W47 has closed" in late
    assert "*Team pulse* not shown for W47: it is shown from 5 answers, and fewer came in." in text
    for leak in (" / 5 from", "4 people", "4 answer", "Words"):
        assert leak not in text
    with world.deps.sessions() as s:
        row = s.get(PulseWeek, ("team-a", "2026-W47"))
        assert row is not None and (row.scores, row.words) == (None, None)
        assert s.scalars(select(PulseAnswer)).all() == []


def test_enough_answers_show_the_mean_the_words_and_the_trend(world: World) -> None:
    scores = dict(zip((MEMBER, LEAD, OTHER_LEAD, *PEOPLE[:3]), (4, 3, 5, 2, 4, 3), strict=True))
    for now, week in ((W47_DIGEST, "2026-W47"), (W48_DIGEST, "2026-W48")):
        world.clock.now = now
        msg = digest(world)
        for user, score in scores.items():
            answer(world, msg, user, score if week == "2026-W47" else min(5, score + 1))
        for user, word in ((MEMBER, "Meetings"), (LEAD, "calm"), (PEOPLE[0], "meetings")):
            pulse.add_word(world.deps, "team-a", week, word, user=user)
    with pytest.raises(UserError, match="Only Team A's people answer its pulse"):
        pulse.answer(world.deps, "team-a", "2026-W48", 3, user="U0OUTSIDE1")
    with pytest.raises(UserError, match="already added a word"):
        pulse.add_word(world.deps, "team-a", "2026-W48", "again", user=LEAD)
    world.clock.now = W49_DIGEST
    text = json.dumps(digest(world)["blocks"], ensure_ascii=False)
    assert "*Team pulse* 4.3 / 5 from 6 people  ······▁█  _W48_" in text  # 26 / 6
    assert "_Words:_ meetings ×2, calm" in text  # W47's 3.5 then W48's, beside the DORA lines


def _dump(url: str) -> list[tuple[str, list[tuple[Any, ...]]]]:
    engine = make_engine(url)
    out = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table)).all()
            out.append((table.name, sorted((tuple(r) for r in rows), key=repr)))
    engine.dispose()
    return out


def _run(tmp: Path, name: str, who: list[str]) -> tuple[str, list[str]]:
    """Six people answer W47 (the same scores and words, from `who` in that order), then the
    week closes. Returns the store's URL and every salt the open week used."""
    url = f"sqlite:///{tmp / name}.db"
    config = make_config(CONFIG)
    clock = {"now": W47_DIGEST}
    deps = replace(
        make_deps(url, config=config),
        org=org_context(config, b"k"),
        clock=lambda: clock["now"],
    )
    words = ("calm", "", "meetings", "", "", "ok")
    for user, score, word in zip(who, (4, 3, 5, 2, 4, 3), words, strict=True):
        pulse.answer(deps, "team-a", "2026-W47", score, user=user)
        if word:
            pulse.add_word(deps, "team-a", "2026-W47", word, user=user)
    with deps.sessions() as s:
        salts = [r.salt for r in s.scalars(select(PulseSalt))]
        voters = [r.voter for r in s.scalars(select(PulseVoter))]
    assert len(salts) == 1 and len(voters) == 6 and not set(who) & set(voters)
    clock["now"] = W48_DIGEST
    assert pulse.close_due(deps) == [("team-a", "2026-W47")]
    deps.engine.dispose()
    return url, salts


def test_no_stored_answer_is_linkable_to_a_person_once_the_week_closes(tmp_path: Path) -> None:
    people = [MEMBER, LEAD, OTHER_LEAD, *PEOPLE[:3]]
    first, salts_a = _run(tmp_path, "a", people)
    second, salts_b = _run(tmp_path, "b", [*reversed(people[3:]), *people[:3]])
    assert _dump(first) == _dump(second)  # who said what, and in which order, left no trace
    dumped = json.dumps(_dump(first), default=str)
    hashes = [
        hmac.new(bytes.fromhex(s), u.encode(), hashlib.sha256).hexdigest()
        for s in (*salts_a, *salts_b)
        for u in people
    ]
    for secret in (*people, *salts_a, *salts_b, *hashes):
        assert secret not in dumped
    engine = make_engine(first)
    upgrade(engine)
    with session_factory(engine)() as s:
        assert [(r.answers, r.scores, r.words) for r in s.scalars(select(PulseWeek))] == [
            (6, {"1": 0, "2": 1, "3": 2, "4": 2, "5": 1}, {"calm": 1, "meetings": 1, "ok": 1})
        ]
        for table in (PulseAnswer, PulseSalt, PulseVoter):
            assert s.scalars(select(table)).all() == []
    engine.dispose()


def test_the_scheduler_closes_pulse_weeks_only_where_a_team_has_a_pulse(world: World) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.scheduler import Leader, schedule_jobs

    def jobs(deps: Any) -> set[str]:
        scheduler = BackgroundScheduler(timezone="UTC")
        schedule_jobs(scheduler, deps, Leader(deps))
        return {job.id for job in scheduler.get_jobs()}

    assert "pulse-close" in jobs(world.deps)
    quiet = make_config(CONFIG.replace("pulse: true", "pulse: false"))
    assert "pulse-close" not in jobs(replace(world.deps, config=quiet))
