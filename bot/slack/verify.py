"""Slack's v0 request signature, checked before anything reads the body as a request.

slack_sdk's SignatureVerifier assumes well-formed headers: it calls `int()` on the timestamp,
decodes the body as UTF-8 and compares digests with `hmac.compare_digest`, which raises on
non-ASCII text. Any of those exceptions used to reach Bolt's error handler with the unverified
body (which then answered the sender's `response_url`). Here every header is checked for shape
first, so a malformed request is simply "not verified": a 401, never an exception.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping

from slack_sdk.signature import Clock, SignatureVerifier

TIMESTAMP_HEADER = "x-slack-request-timestamp"
SIGNATURE_HEADER = "x-slack-signature"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # epoch seconds; 12 digits reach the year 33658
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class _Clock(Clock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


def unverified_reason(
    signing_secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: Callable[[], float] = time.time,
) -> str | None:
    """None when Slack signed `body` within the replay window; else why not (for the log).

    Never raises: whatever the sender put in the headers or the body is only compared.
    """
    timestamp = headers.get(TIMESTAMP_HEADER)
    signature = headers.get(SIGNATURE_HEADER)
    if timestamp is None or signature is None:
        return "missing signature headers"
    if _TIMESTAMP.fullmatch(timestamp) is None:
        return "malformed timestamp"
    if _SIGNATURE.fullmatch(signature) is None:
        return "malformed signature"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    verifier = SignatureVerifier(signing_secret, clock=_Clock(now))
    try:
        valid = verifier.is_valid(text, timestamp, signature)
    except Exception:  # belt and braces: a verifier error is a refusal, never a 500
        return "signature check failed"
    return None if valid else "bad or stale signature"
