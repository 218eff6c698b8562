"""Seeded randomness and identifiers: every stream of draws is derived from the seed and a name.

Deriving one `random.Random` per team, repository or project (seeded with a string, which
Python hashes with SHA-512, independent of PYTHONHASHSEED) keeps the output byte-identical for
the same options and lets each part be generated on its own, in any order.
"""

from __future__ import annotations

import base64
import math
import random
import uuid
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def rng_for(seed: int, *parts: object) -> random.Random:
    """An independent generator for one named part of the world."""
    return random.Random(":".join([str(seed), *(str(p) for p in parts)]))


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    """A long-tailed positive draw with the given median."""
    return median * math.exp(rng.gauss(0.0, sigma))


def poisson(rng: random.Random, lam: float) -> int:
    """Poisson count (Knuth for small means, a rounded normal for large ones)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    k, p = 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def weighted(rng: random.Random, items: Sequence[T], weights: Sequence[float]) -> T:
    return rng.choices(items, weights=weights, k=1)[0]


def sha(rng: random.Random) -> str:
    """A 40-hex commit id."""
    return f"{rng.getrandbits(160):040x}"


def node_id(prefix: str, database_id: int) -> str:
    """A GitHub-style global node id, e.g. "PR_kwDOAAAAAEqBbJA"."""
    raw = database_id.to_bytes(8, "big")
    return f"{prefix}_kwDO{base64.urlsafe_b64encode(raw).decode().rstrip('=')}"


def base36(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = _B36[r] + out
    return out.rjust(width, "0")


def uuid_from(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def hex_id(rng: random.Random, n: int = 24) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"
