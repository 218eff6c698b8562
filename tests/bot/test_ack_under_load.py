"""Issue 13 item 2: acks never wait behind answers; a full answer pool sheds with a busy ack.

A slow dependency (the metric computation blocks on a gate) fills the answer pool of the
real Bolt app served over HTTP. Before the fix, acks and answers shared Bolt's 5-thread
executor: with its threads all held by slow answers, `help` was never acked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bot.server import build_asgi
from bot.slack.deps import BotDeps
from bot.slack.pool import BUSY, DEFAULT_QUEUE, DEFAULT_WORKERS, AnswerPool
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import SlackRequestSender
from tests.bot.helpers import MEMBER, SECRET, TinyEngine


class Gate:
    """Wraps compute_metric: each call blocks until `open()`, and is counted."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls = 0
        self._open = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
        self._open.wait(timeout=60)
        return self.inner(*args, **kwargs)

    def open(self) -> None:
        self._open.set()


class GatedEngine(TinyEngine):
    """The tiny engine whose compute_metric goes through a Gate."""

    def __init__(self, gate: Gate) -> None:
        super().__init__()
        self._gate = gate

    def compute_metric(self, **kwargs: Any) -> Any:  # type: ignore[override]
        return self._gate(**kwargs)


@pytest.fixture
def gate(deps: BotDeps) -> Iterator[Gate]:
    g = Gate(deps.analytics.compute_metric)
    deps.analytics = GatedEngine(g)
    yield g
    g.open()  # never leave answer threads blocked


def _ask(
    slack: SlackFake, sender: SlackRequestSender, url: str, text: str
) -> tuple[int, dict[str, Any] | None, str]:
    rurl = slack.new_response_url(channel="C0TEAMA001", user_id=MEMBER)
    resp = sender.slash_command(
        f"{url}/slack/events",
        text=text,
        channel_id="C0TEAMA001",
        user_id=MEMBER,
        response_url=rurl,
    )
    return resp.status_code, (resp.json() if resp.content else None), rurl.rsplit("/", 1)[1]


def test_help_is_acked_while_answers_fill_the_pool_and_the_overflow_is_told_busy(
    deps: BotDeps, slack: SlackFake, gate: Gate
) -> None:
    sender = SlackRequestSender(SECRET, timeout=30)
    with LocalServer(build_asgi(deps)) as url:
        gate.open()  # one unhindered answer: how many computations an answer takes
        status, ack, rid = _ask(slack, sender, url, "lead-time")
        assert status == 200 and ack is None
        slack.wait_for_response(rid)
        per_answer, gate.calls = gate.calls, 0
        gate._open.clear()

        capacity = DEFAULT_WORKERS + DEFAULT_QUEUE
        accepted = []
        for _ in range(capacity):  # every worker blocked, every waiting place taken
            status, ack, rid = _ask(slack, sender, url, "lead-time")
            assert status == 200 and ack is None, ack
            accepted.append(rid)

        status, ack, _ = _ask(slack, sender, url, "help")
        assert status == 200 and ack is not None and "`lead-time`" in str(ack["blocks"])

        status, ack, shed = _ask(slack, sender, url, "dora")
        assert status == 200 and ack == {"text": BUSY, "response_type": "ephemeral"}

        gate.open()
        for rid in accepted:
            slack.wait_for_response(rid, timeout=30)
        assert slack.wait_for(lambda: all(len(slack.responses_all(r)) >= 1 for r in accepted))
        # each accepted request answered exactly once; the shed one never computed or answered
        assert [len(slack.responses_all(r)) for r in accepted] == [1] * capacity
        assert slack.responses_all(shed) == []
        assert gate.calls == per_answer * capacity


def test_the_pool_refuses_at_once_when_full_and_frees_places_as_work_ends() -> None:
    pool = AnswerPool(workers=1, queue=1)
    release = threading.Event()
    done: list[int] = []

    def slow(n: int) -> Any:
        return lambda: (release.wait(10), done.append(n))

    assert pool.offer(slow(1)) and pool.offer(slow(2))
    assert not pool.offer(slow(3))
    release.set()
    pool.shutdown(wait=True)
    assert sorted(done) == [1, 2] and (pool.accepted, pool.shed) == (2, 1)
