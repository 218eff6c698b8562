"""The HTTP policy, driven through httpx.MockTransport with a fake clock (no real sleeping)."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ingest.http import (
    AuthError,
    HttpPolicy,
    IngestHTTPError,
    MalformedPageError,
    RateLimitWait,
    RetryPolicy,
    ScopeError,
    redact_headers,
)

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class FakeTime:
    """A clock that only moves when the policy sleeps."""

    def __init__(self) -> None:
        self.now = T0
        self.slept: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


Handler = Callable[[httpx.Request], httpx.Response]


def make_policy(
    handler: Handler, t: FakeTime, **policy: object
) -> tuple[HttpPolicy, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = httpx.Client(
        transport=httpx.MockTransport(record), headers={"Authorization": "Bearer s3cret-token"}
    )
    http = HttpPolicy(
        client,
        policy=RetryPolicy(**policy),  # type: ignore[arg-type]
        auth_hint="GITHUB_TOKEN",
        sleep=t.sleep,
        clock=t.clock,
        rng=random.Random(1),
    )
    return http, seen


def sequence(*responses: httpx.Response | Exception) -> Handler:
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler


def test_retries_5xx_and_connection_errors_with_growing_jittered_backoff() -> None:
    t = FakeTime()
    http, seen = make_policy(
        sequence(
            httpx.Response(502),
            httpx.ConnectError("refused"),
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json={"ok": True}),
        ),
        t,
    )
    resp = http.request("GET", "https://api.test/x")
    assert resp.data == {"ok": True}
    assert len(seen) == 4
    assert http.stats.retries == 3 and http.stats.requests == 4
    # base 1s doubling, jitter in [0.5, 1.5): each wait lies in its own band
    for n, slept in enumerate(t.slept):
        assert 0.5 * 2**n <= slept < 1.5 * 2**n


def test_gives_up_after_max_retries_with_the_reason() -> None:
    t = FakeTime()
    http, seen = make_policy(sequence(httpx.Response(503)), t, max_retries=2)
    with pytest.raises(IngestHTTPError, match=r"HTTP 503.*giving up after 3 attempts"):
        http.request("GET", "https://api.test/x")
    assert len(seen) == 3


def test_truncated_json_is_retried_and_reported() -> None:
    t = FakeTime()
    http, _ = make_policy(
        sequence(
            httpx.Response(200, content=b'[{"id": 1}, {"id"'),
            httpx.Response(200, json=[{"id": 1}]),
        ),
        t,
    )
    assert http.request("GET", "https://api.test/x").data == [{"id": 1}]
    assert http.stats.malformed == 1
    assert any("malformed JSON" in w for w in http.stats.warnings)


def test_a_page_that_stays_malformed_raises_malformed_page_error() -> None:
    t = FakeTime()
    http, _ = make_policy(sequence(httpx.Response(200, content=b"{")), t, max_retries=1)
    with pytest.raises(MalformedPageError):
        http.request("GET", "https://api.test/x")


def test_retry_after_is_honoured() -> None:
    t = FakeTime()
    http, _ = make_policy(
        sequence(
            httpx.Response(429, headers={"Retry-After": "7"}, json={"message": "slow down"}),
            httpx.Response(200, json={}),
        ),
        t,
    )
    http.request("GET", "https://api.test/x")
    assert t.slept == [7.0]


def test_primary_rate_limit_waits_until_reset() -> None:
    t = FakeTime()
    reset = int((T0 + timedelta(seconds=120)).timestamp())
    http, _ = make_policy(
        sequence(
            httpx.Response(
                403,
                headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
                json={"message": "API rate limit exceeded"},
            ),
            httpx.Response(200, json={}),
        ),
        t,
    )
    http.request("GET", "https://api.test/x")
    assert t.now >= datetime.fromtimestamp(reset, UTC)
    assert sum(t.slept) == pytest.approx(121, abs=1)


def test_a_wait_longer_than_allowed_raises_rate_limit_wait_with_resume_time() -> None:
    t = FakeTime()
    reset = T0 + timedelta(hours=1)
    http, seen = make_policy(
        sequence(
            httpx.Response(
                403,
                headers={
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-reset": str(int(reset.timestamp())),
                },
                json={"message": "API rate limit exceeded"},
            )
        ),
        t,
        max_wait_seconds=600,
    )
    with pytest.raises(RateLimitWait) as info:
        http.request("GET", "https://api.test/x")
    assert info.value.resume_at >= reset
    assert t.slept == [] and len(seen) == 1


def test_slows_down_before_the_budget_runs_out() -> None:
    t = FakeTime()
    reset = int((T0 + timedelta(seconds=100)).timestamp())
    low = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "30",
        "x-ratelimit-reset": str(reset),
    }
    http, _ = make_policy(sequence(httpx.Response(200, headers=low, json={})), t)
    http.request("GET", "https://api.test/x")
    assert t.slept == []  # nothing known before the first answer
    http.request("GET", "https://api.test/x")
    # 30 left (< 5 % of 5000): spread over the 100 s left, keeping the reserve of 10
    assert t.slept and t.slept[0] == pytest.approx(100 / 20, rel=0.01)


def test_waits_for_reset_when_only_the_reserve_is_left() -> None:
    t = FakeTime()
    reset = int((T0 + timedelta(seconds=50)).timestamp())
    spent = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "3",
        "x-ratelimit-reset": str(reset),
    }
    http, _ = make_policy(sequence(httpx.Response(200, headers=spent, json={})), t)
    http.request("GET", "https://api.test/x")
    http.request("GET", "https://api.test/x")
    assert t.now >= datetime.fromtimestamp(reset, UTC)


def test_conditional_request_sends_etag_and_returns_304() -> None:
    t = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"abc"':
            return httpx.Response(304, headers={"etag": '"abc"'})
        return httpx.Response(200, headers={"etag": '"abc"'}, json=[1])

    http, _ = make_policy(handler, t)
    first = http.request("GET", "https://api.test/x")
    assert first.etag == '"abc"' and not first.not_modified
    again = http.request("GET", "https://api.test/x", etag=first.etag)
    assert again.not_modified and again.data is None
    assert http.stats.not_modified == 1


def test_401_names_the_setting_to_fix() -> None:
    t = FakeTime()
    http, _ = make_policy(sequence(httpx.Response(401, json={"message": "Bad credentials"})), t)
    with pytest.raises(AuthError, match="token rejected: check GITHUB_TOKEN"):
        http.request("GET", "https://api.test/x")


def test_403_without_rate_limit_is_a_scope_error_naming_the_scopes() -> None:
    t = FakeTime()
    resp = httpx.Response(
        403,
        headers={"x-accepted-oauth-scopes": "repo", "x-oauth-scopes": "read:org"},
        json={"message": "Resource not accessible by integration"},
    )
    http, seen = make_policy(sequence(resp), t)
    with pytest.raises(ScopeError, match=r"needs scopes \[repo\], token has \[read:org\]"):
        http.request("GET", "https://api.test/repos/a/b/deployments")
    assert len(seen) == 1 and t.slept == []


def test_the_token_never_reaches_logs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    t = FakeTime()
    http, _ = make_policy(
        sequence(httpx.Response(500), httpx.Response(401, json={"message": "Bad credentials"})),
        t,
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as info:
        http.request("GET", "https://api.test/x")
    assert "s3cret-token" not in caplog.text
    assert "s3cret-token" not in str(info.value)
    assert redact_headers({"Authorization": "Bearer s3cret-token", "Accept": "x"}) == {
        "Authorization": "[redacted]",
        "Accept": "x",
    }


def test_link_header_relations() -> None:
    t = FakeTime()
    link = '<https://api.test/x?page=2>; rel="next", <https://api.test/x?page=5>; rel="last"'
    http, _ = make_policy(sequence(httpx.Response(200, headers={"link": link}, json=[])), t)
    resp = http.request("GET", "https://api.test/x")
    assert resp.link("next") == "https://api.test/x?page=2"
    assert resp.link("last") == "https://api.test/x?page=5"
    assert resp.link("prev") is None
