"""Property: whatever a sender sends, the answer is 2xx, 400, 401 or 413 in JSON, never a 500.

Three generators: arbitrary bytes, arbitrary JSON, and well-shaped payloads with any field
swapped for any JSON value (so the fuzzing reaches field validation and the database
write, where NUL characters, surrogates and long strings used to fail on one database).
All signed, plus arbitrary header values unsigned. Runs over real HTTP on both databases.
"""

from __future__ import annotations

import json
import string
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import DEPLOY, INCIDENT, post

ALLOWED = {200, 400, 401, 413}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_tricky_text = st.sampled_from(
    ["", "\x00", "a\x00b", "\ud800", "\udfff x", "\u2028", "Z", "9" * 40, "2026-11-24T10:00:00Z"]
)
_text = st.text(max_size=40) | _tricky_text | st.text(min_size=190, max_size=2100)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**29, max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4),
    max_leaves=12,
)


def _swapped(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`base` with some fields replaced (or removed, or added) by arbitrary JSON values."""
    fields = [*base, "updated_at", "resolved_at", "reopen", "repo", "status"]
    changes = st.dictionaries(st.sampled_from(fields), _json | st.just(None), max_size=3)
    return changes.map(lambda c: {k: v for k, v in {**base, **c}.items() if v is not None})


def _check(response: httpx.Response) -> None:
    assert response.status_code in ALLOWED, (response.status_code, response.text[:200])
    assert response.headers["content-type"] == "application/json"
    assert isinstance(response.json(), dict)


@FUZZ
@given(path=st.sampled_from(["deployments", "incidents"]), body=st.binary(max_size=300))
def test_any_bytes_get_a_json_answer_never_a_500(served, client, path: str, body: bytes) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    _check(post(f"{url}/webhooks/{path}", body, client=client))


@FUZZ
@given(path=st.sampled_from(["deployments", "incidents"]), value=_json)
def test_any_json_gets_a_json_answer_never_a_500(served, client, path: str, value: Any) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    _check(post(f"{url}/webhooks/{path}", json.dumps(value).encode(), client=client))


@FUZZ
@given(kind=st.sampled_from(["deployments", "incidents"]), data=st.data())
def test_payloads_with_any_field_swapped_get_200_or_400(  # type: ignore[no-untyped-def]
    served, client, kind: str, data: st.DataObject
) -> None:
    url, _ = served
    payload = data.draw(_swapped(DEPLOY if kind == "deployments" else INCIDENT))
    response = post(f"{url}/webhooks/{kind}", json.dumps(payload).encode(), client=client)
    _check(response)
    assert response.status_code in (200, 400)


_header = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF).filter(lambda c: c != "\x7f"),
    max_size=80,
) | st.text(alphabet=string.digits, max_size=14)


@FUZZ
@given(timestamp=_header, sig=_header)
def test_arbitrary_signature_headers_get_401(served, client, timestamp: str, sig: str) -> None:  # type: ignore[no-untyped-def]
    url, _ = served
    headers = {"X-Metrics-Timestamp": timestamp.strip(), "X-Metrics-Signature": sig.strip()}
    response = client.post(
        url + "/webhooks/deployments",
        content=json.dumps(DEPLOY).encode(),
        headers={k: v.encode("latin-1") for k, v in headers.items()},  # type: ignore[misc]
    )
    _check(response)
    assert response.status_code == 401
