"""Exactly one digest across crashes, database errors, unreachable Slack and long 429 waits.

Faults are real where they can be (a killed child process, a renamed table, a closed port,
the Slack fake answering 429 / holding its answer); where the crash must land between two
lines, an exception that nothing catches is raised at exactly that point.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import urllib.error
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.digest import claims, post_digest
from bot.slack.client import make_web_client, never_sent
from bot.slack.deps import BotDeps
from sandbox.fakes.slack import SlackFake
from store.models import DigestSent
from tests.bot.helpers import TOKEN, TinyEngine, make_deps

ROOT = Path(__file__).resolve().parents[2]


class Crash(BaseException):
    """A process dying: nothing in the bot catches it."""


@pytest.fixture
def any_deps(database_url: str, slack: SlackFake, tiny: TinyEngine) -> Iterator[BotDeps]:
    """BotDeps on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL."""
    d = make_deps(database_url, api_url=slack.base_url, tiny=tiny)
    yield d
    d.engine.dispose()


def _after_expiry(deps: BotDeps) -> BotDeps:
    return replace(deps, clock=lambda: deps.now() + claims.STALE_CLAIM + claims.STALE_CLAIM / 2)


def _row(deps: BotDeps) -> DigestSent:
    with deps.sessions() as s:
        return s.scalars(select(DigestSent)).one()


def test_crash_after_slack_took_the_post_before_the_row_was_marked(
    any_deps: BotDeps, slack: SlackFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object, **kwargs: object) -> bool:
        raise Crash("killed between chat.postMessage and mark_posted")

    with monkeypatch.context() as m:
        m.setattr(claims, "mark_posted", crash)
        with pytest.raises(Crash):
            post_digest(any_deps, "team-a")
    [message] = slack.messages("C0TEAMA001")
    assert _row(any_deps).status == "claimed"
    assert post_digest(any_deps, "team-a").status == "in_progress"  # claim still live
    rerun = post_digest(_after_expiry(any_deps), "team-a")
    assert rerun.status == "already_sent" and rerun.ts == message["ts"]
    top_level = [m for m in slack.messages("C0TEAMA001") if m.get("thread_ts") in (None, m["ts"])]
    assert len(top_level) == 1 and len(slack.calls_to("chat.postMessage")) == 1
    row = _row(any_deps)
    assert (row.status, row.message_ts) == ("posted", message["ts"])


def test_killed_process_while_slack_answers_then_rerun_posts_once(
    db_url: str, slack: SlackFake
) -> None:
    """A child process posts; the fake takes the message and holds its answer; the child is
    SIGKILLed right then. The rerun after the claim expires finds the message: one digest."""
    slack.hold_answer_next(1, method="chat.postMessage")
    code = (
        "from tests.bot.helpers import make_deps\n"
        "from bot.digest import post_digest\n"
        f"deps = make_deps({db_url!r}, api_url={slack.base_url!r}, migrate=False)\n"
        "post_digest(deps, 'team-b')\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    try:
        assert slack.wait_for(lambda: slack.holding == 1, timeout=60), "child never posted"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        slack.release_held()
    deps = make_deps(db_url, api_url=slack.base_url, migrate=False)
    try:
        assert len(slack.messages("C0TEAMB001")) == 1 and _row(deps).status == "claimed"
        assert post_digest(deps, "team-b").status == "in_progress"
        rerun = post_digest(_after_expiry(deps), "team-b")
        assert rerun.status == "already_sent"
        assert len(slack.messages("C0TEAMB001")) == 1
        assert len(slack.calls_to("chat.postMessage")) == 1
        assert _row(deps).message_ts == slack.messages("C0TEAMB001")[0]["ts"]
    finally:
        deps.engine.dispose()


def test_crash_before_the_post_left_slack_is_posted_after_expiry(
    any_deps: BotDeps, slack: SlackFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never zero: a claim whose process died before posting is looked up, then posted."""

    def crash(self: object, **kwargs: object) -> object:
        raise Crash("killed just before chat.postMessage")

    client = any_deps.web_client(once=True)
    with monkeypatch.context() as m:
        m.setattr(type(client), "chat_postMessage", crash)
        with pytest.raises(Crash):
            post_digest(any_deps, "team-b")
    assert slack.messages("C0TEAMB001") == []
    assert post_digest(_after_expiry(any_deps), "team-b").status == "posted"
    assert post_digest(_after_expiry(any_deps), "team-b").status == "already_sent"
    assert len(slack.messages("C0TEAMB001")) == 1


def test_database_error_before_the_post_is_failed_and_retried(
    any_deps: BotDeps, slack: SlackFake
) -> None:
    """The insights table is gone when the digest saves its insights (a real database
    error, before anything is sent): failed, not unsure, and the next run posts it."""
    with any_deps.engine.begin() as conn:
        conn.execute(text("ALTER TABLE insights RENAME TO insights_away"))
    result = post_digest(any_deps, "team-a")
    assert result.status == "failed" and "database error before the post" in (result.error or "")
    assert _row(any_deps).status == "failed"
    assert slack.messages("C0TEAMA001") == []
    with any_deps.engine.begin() as conn:
        conn.execute(text("ALTER TABLE insights_away RENAME TO insights"))
    assert post_digest(any_deps, "team-a").status == "posted"
    top_level = [m for m in slack.messages("C0TEAMA001") if m.get("thread_ts") in (None, m["ts"])]
    assert len(top_level) == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_is_failed_and_retried(deps: BotDeps, slack: SlackFake) -> None:
    nowhere = replace(deps, api_url=f"http://127.0.0.1:{_closed_port()}")
    result = post_digest(nowhere, "team-b")
    assert result.status == "failed" and "Connection refused" in (result.error or "")
    assert _row(deps).status == "failed"
    assert post_digest(deps, "team-b").status == "posted"
    assert len(slack.messages("C0TEAMB001")) == 1


def test_never_sent_tells_connect_failures_from_lost_answers() -> None:
    refused = urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))
    dns = urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))
    tls = urllib.error.URLError(ssl.SSLCertVerificationError(1, "certificate verify failed"))
    assert never_sent(refused) and never_sent(dns) and never_sent(tls)
    assert not never_sent(urllib.error.URLError(ssl.SSLEOFError(8, "EOF in violation")))
    assert not never_sent(urllib.error.URLError(TimeoutError("timed out")))
    assert not never_sent(ConnectionResetError(104, "Connection reset by peer"))
    import httpx

    assert never_sent(httpx.ConnectError("All connection attempts failed"))
    assert not never_sent(httpx.ReadTimeout("read timed out"))


def _recording(deps: BotDeps, slack: SlackFake, waits: list[float]) -> BotDeps:
    assert slack.base_url is not None
    return replace(
        deps,
        client_factory=lambda: make_web_client(
            TOKEN, slack.base_url, once=True, sleep=waits.append
        ),
    )


def test_short_retry_after_is_obeyed(deps: BotDeps, slack: SlackFake) -> None:
    waits: list[float] = []
    slack.rate_limit_next(1, retry_after=2, method="chat.postMessage")
    result = post_digest(_recording(deps, slack, waits), "team-b")
    assert result.status == "posted" and waits == [2.0]
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 200]


def test_retry_after_beyond_the_cap_fails_the_post_and_frees_the_claim(
    deps: BotDeps, slack: SlackFake
) -> None:
    """Retry-After: 120 is not slept through (it would outlive the run and hold the claim):
    the post is failed at once, the row released, and the next run posts it."""
    waits: list[float] = []
    slack.rate_limit_next(1, retry_after=120, method="chat.postMessage")
    result = post_digest(_recording(deps, slack, waits), "team-b")
    assert waits == []  # nothing slept
    assert result.status == "failed" and "Retry-After 120" in (result.error or "")
    assert _row(deps).status == "failed"  # not a claim left to expire
    assert post_digest(_recording(deps, slack, waits), "team-b").status == "posted"
    assert len(slack.messages("C0TEAMB001")) == 1
