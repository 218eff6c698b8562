"""Metric names as people type them: ids, aliases, groups (dora, health) and "did you mean".

Built from the analytics registry's `MetricSpec`s (name, unit, aliases, which way is good),
so every metric the engine serves is answerable by `/metrics` without a second list here.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analytics.registry import MetricSpec

DORA = ("deploy-frequency", "lead-time", "cfr", "recovery-time")
HEALTH = ("after-hours", "review-load", "wip")
MAX_SUGGEST_WORD = 64
"""Longer words get no "did you mean": no metric, verb or team slug is near that long, and
difflib's cost grows with the word (a 40 KB word took seconds and timed the ack out)."""
MAX_CANDIDATES = 500
"""At most this many spellings are compared per word (hundreds of teams stay cheap)."""


def norm(word: str) -> str:
    """One spelling for ids and aliases: lowercase, dashes ("Review_Time" -> "review-time")."""
    return word.strip().lower().replace("_", "-").replace(" ", "-")


@dataclass(frozen=True)
class MetricInfo:
    """What the bot shows about one metric."""

    id: str
    """The engine's own id, passed back to compute_metric unchanged."""
    name: str
    """The spelling shown and typed (dashes)."""
    label: str
    unit: str
    description: str
    higher_is_better: bool


class Catalog:
    """Resolve what a person typed to a metric id; suggest close spellings otherwise."""

    def __init__(
        self,
        registry: Mapping[str, MetricSpec],
        suggest: Callable[[str, Iterable[str]], list[str]] | None = None,
    ) -> None:
        self._suggest = suggest
        self.metrics: dict[str, MetricInfo] = {}
        self._words: dict[str, str] = {}
        for metric_id, spec in registry.items():
            name = norm(metric_id)
            self.metrics[name] = MetricInfo(
                id=metric_id,
                name=name,
                label=spec.name,
                unit=spec.unit,
                description=spec.description,
                higher_is_better=spec.up_is_good is True,
            )
            self._words[name] = name
            for alias in spec.aliases:
                self._words.setdefault(norm(alias), name)

    def resolve(self, word: str) -> MetricInfo | None:
        name = self._words.get(norm(word))
        return self.metrics[name] if name else None

    def words(self) -> list[str]:
        return sorted(self._words)

    def suggestions(self, word: str, extra: Iterable[str] = ()) -> list[str]:
        """Close spellings of `word` among metric names, aliases and `extra` words."""
        if len(word) > MAX_SUGGEST_WORD:
            return []
        candidates = sorted({*self._words, *extra})[:MAX_CANDIDATES]
        if self._suggest is not None:
            try:
                found = list(self._suggest(norm(word), candidates))[:3]
            except Exception:  # a suggestion must never break an answer
                found = []
            if found:
                return [self._words.get(w, w) for w in found]
        return [self._words.get(w, w) for w in closest(norm(word), candidates, cutoff=0.7)]

    def group(self, names: Iterable[str]) -> list[MetricInfo]:
        """The metrics of a group (dora, health) that the engine serves, in order."""
        return [self.metrics[n] for n in names if n in self.metrics]


def closest(word: str, candidates: Iterable[str], *, cutoff: float = 0.6, n: int = 3) -> list[str]:
    """The candidates nearly as close to `word` as the best one (a typo has one answer).

    Bounded: no suggestion for a word over MAX_SUGGEST_WORD characters, at most
    MAX_CANDIDATES compared, and difflib's cheap upper bounds skip hopeless pairs before the
    full ratio (the same answers, since a bound under `cutoff` means the ratio is too).
    """
    if not word or len(word) > MAX_SUGGEST_WORD:
        return []
    scored = []
    for cand in itertools.islice(dict.fromkeys(candidates), MAX_CANDIDATES):
        matcher = difflib.SequenceMatcher(None, word, cand)
        if matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff:
            continue
        ratio = matcher.ratio()
        if ratio >= cutoff:
            scored.append((ratio, cand))
    if not scored:
        return []
    scored.sort(key=lambda rc: (-rc[0], rc[1]))
    best = scored[0][0]
    return [cand for ratio, cand in scored if ratio >= best - 0.08][:n]
