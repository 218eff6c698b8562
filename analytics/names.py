"""'Did you mean' for metric and team names typed by people."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def suggest(name: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The closest of `choices` to `name` (case-insensitive), or None when nothing is close."""
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    match = difflib.get_close_matches(name.strip().lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None
