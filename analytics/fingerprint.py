"""What a kept answer was computed under: the analytics code, the org's configuration, the
metric and the clock. Any change to one of them gives another fingerprint, so answers kept
under the old one are never read again (`analytics.kept`)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from analytics.context import OrgContext
from analytics.registry import MetricSpec


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of every source file of the analytics package (read once per process)."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def canonical(obj: Any) -> Any:
    """`obj` as plain JSON-ready data, the same in every process: sets sorted, dataclasses
    by field (a frozenset's repr follows string hashing, which differs per process)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: canonical(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return sorted([[canonical(k), canonical(v)] for k, v in obj.items()], key=json.dumps)
    if isinstance(obj, set | frozenset):
        return sorted((canonical(v) for v in obj), key=json.dumps)
    if isinstance(obj, list | tuple):
        return [canonical(v) for v in obj]
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, timedelta):
        return obj.total_seconds()
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    return repr(obj)


def fingerprints(org: OrgContext, specs: Sequence[MetricSpec], clock: str) -> dict[str, str]:
    """{metric id: the fingerprint of its answers for `org` on `clock`} (64 hex digits)."""
    base = hashlib.sha256(code_digest().encode())
    base.update(json.dumps([clock, canonical(org)], sort_keys=True).encode())
    out: dict[str, str] = {}
    for spec in specs:
        h = base.copy()
        h.update(spec.id.encode())
        out[spec.id] = h.hexdigest()
    return out
