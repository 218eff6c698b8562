"""Pseudonymous keys for people: a keyed hash of "source:identity", never the identity itself.

The key comes from the environment (`METRICS_BOT_PSEUDONYM_KEY`, read by the application shell
and passed in). Rotating it means re-keying: run `metrics-bot db rekey` is not needed because
keys are recomputed on the next full sync; see README "Rotating the pseudonym key".
"""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(secret: bytes, source: str, identity: str) -> str:
    """A stable 32-hex-character key for `identity` in `source` (case-insensitive identity)."""
    message = f"{source}:{identity.strip().lower()}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]
