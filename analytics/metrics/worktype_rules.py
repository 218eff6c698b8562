"""Work types by rule, in this order: labels, issue type, conventional-commit prefix of the
title ("fix: ..."), branch name ("feature/..."); each rule only on the items earlier ones
left untyped, with plain string operations."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

TYPES = ("feature", "bug", "debt", "ops")


_WORDS: dict[str, str] = {}
for _t, _words in {
    "feature": "feat feature features enhancement story new-feature epic improvement",
    "bug": "bug fix bugfix hotfix defect regression incident bugs",
    "debt": "refactor debt tech-debt techdebt chore cleanup perf test tests docs style deps "
    "dependencies dependency maintenance",
    "ops": "ops infra infrastructure ci build deploy devops sre monitoring oncall config release",
}.items():
    for _w in _words.split():
        _WORDS[_w] = _t
_CODE = {t: i for i, t in enumerate(TYPES)}


_WORD_CODE = {w: _CODE[t] for w, t in _WORDS.items()}


_TYPE_NAMES = np.array([*TYPES, None], dtype=object)  # code -1 (untyped) -> None


_CONVENTIONAL = re.compile(r"^\s*([a-z\-]+)(?:\([^)]*\))?!?:")


_BRANCH = re.compile(r"^([a-z\-]+)[/_]")


_RULES = np.array(["label", "issue type", "conventional commit", "branch name", None], dtype=object)


def _normalise(word: str) -> str:
    return word.strip().lower().replace(" ", "-").replace("_", "-")


def _label_code(labels: Sequence[str]) -> int:
    for label in labels:
        w = _normalise(label).split(":")[-1].split("/")[-1]
        if w in _WORD_CODE:
            return _WORD_CODE[w]
    return -1


def _prefix_codes(values: np.ndarray, pattern: re.Pattern[str]) -> np.ndarray:
    """Type code (-1 none) of the lower-cased `pattern` prefix of each string value."""
    match, get = pattern.match, _WORD_CODE.get
    out = [
        (get(m.group(1), -1) if (m := match(v.lower())) else -1) if isinstance(v, str) else -1
        for v in values
    ]
    return np.asarray(out, dtype=np.int8)


_HEAD_CODE = {**_WORD_CODE, **{w + "!": c for w, c in _WORD_CODE.items()}}


def _conventional_codes(values: np.ndarray) -> np.ndarray:
    """`_prefix_codes(values, _CONVENTIONAL)`, about twice as fast: the text before the first
    ":" (lower-cased, leading blanks dropped) is looked up as "type" or "type!"; only a title
    whose head holds "(" (a scope, which may itself hold ":") needs the regex. Without "(",
    the pattern can only end at the first ":", so the head is the whole match."""
    get, match = _HEAD_CODE.get, _CONVENTIONAL.match
    out = []
    for v in values:
        code = -1
        if isinstance(v, str):
            head, colon, _ = v.partition(":")
            if colon:
                code = get(head.lower().lstrip(), -1)
                if code < 0 and "(" in head and (m := match(v.lower())):
                    code = _WORD_CODE.get(m.group(1), -1)
        out.append(code)
    return np.asarray(out, dtype=np.int8)


def _rule_codes(
    labels: np.ndarray, item_type: np.ndarray, title: np.ndarray, branch: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(type code, rule code) per item, -1 / 4 where no rule applies. Each rule only looks at
    the items earlier rules left untyped; label lists shared between rows (the loader decodes
    each distinct JSON text once) and issue types are looked up once per distinct value."""
    n = len(labels)
    code = np.full(n, -1, dtype=np.int8)
    rule = np.full(n, len(_RULES) - 1, dtype=np.int8)
    memo: dict[int, int] = {}  # id of a (live) label list -> code

    def from_labels(ls: Sequence[str]) -> int:
        key = id(ls)
        found = memo.get(key)
        if found is None:
            found = memo[key] = _label_code(ls)
        return found

    code[:] = [from_labels(ls) if ls else -1 for ls in labels]  # most items have none
    rule[code >= 0] = 0
    todo = np.flatnonzero((code < 0) & pd.notna(item_type))
    if len(todo):
        ids, uniques = pd.factorize(item_type[todo])
        per = np.array([_WORD_CODE.get(_normalise(str(u)), -1) for u in uniques], dtype=np.int8)
        found = per[ids]
        code[todo], rule[todo[found >= 0]] = found, 1
    todo = np.flatnonzero(code < 0)
    found = _conventional_codes(title[todo])
    code[todo], rule[todo[found >= 0]] = found, 2
    todo = np.flatnonzero(code < 0)
    found = _prefix_codes(branch[todo], _BRANCH)
    code[todo], rule[todo[found >= 0]] = found, 3
    return code, rule


def rule_types(
    labels: pd.Series, item_type: pd.Series, title: pd.Series, branch: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """(type, rule) per item from labels, issue type, conventional prefix, branch name."""
    code, rule = _rule_codes(
        labels.to_numpy(dtype=object),
        item_type.to_numpy(dtype=object),
        title.to_numpy(dtype=object),
        branch.to_numpy(dtype=object),
    )
    return (
        pd.Series(_TYPE_NAMES[code], index=labels.index, dtype=object),
        pd.Series(_RULES[rule], index=labels.index, dtype=object),
    )
