"""Work-type mix (feature, bug, debt, ops) of merged PRs and finished issues.

Rules first, in this order: labels, issue type, conventional-commit prefix of the title
("fix: ..."), branch name ("feature/..."). A TF-IDF + logistic-regression classifier trained
on the team's rule-labelled items fills the gaps; its cross-validated accuracy is reported,
and it is skipped (with the reason) when fewer than MIN_LABELLED items or classes exist.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

TYPES = ("feature", "bug", "debt", "ops")
MIN_LABELLED = 30
MAX_TRAIN = 1500  # a deterministic sample keeps training fast at large-org scale
MAX_TRAIN_BULK = 300  # per team when every team is computed at once (`compute_all`)

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

_CONVENTIONAL = re.compile(r"^\s*([a-z\-]+)(?:\([^)]*\))?!?:")
_BRANCH = re.compile(r"^([a-z\-]+)[/_]")


def _normalise(word: str) -> str:
    return word.strip().lower().replace(" ", "-").replace("_", "-")


def _from_labels(labels: pd.Series) -> pd.Series:
    def one(ls: list[str]) -> str | None:
        for label in ls or ():
            w = _normalise(label).split(":")[-1].split("/")[-1]
            if w in _WORDS:
                return _WORDS[w]
        return None

    return labels.map(one)


def rule_types(
    labels: pd.Series, item_type: pd.Series, title: pd.Series, branch: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """(type, rule) per item from labels, issue type, conventional prefix, branch name."""
    out = pd.Series(None, index=labels.index, dtype=object)
    rule = pd.Series(None, index=labels.index, dtype=object)
    candidates = [
        ("label", _from_labels(labels)),
        ("issue type", item_type.fillna("").map(lambda s: _WORDS.get(_normalise(str(s))))),
        (
            "conventional commit",
            title.fillna("").str.lower().str.extract(_CONVENTIONAL, expand=False).map(_WORDS),
        ),
        (
            "branch name",
            branch.fillna("").str.lower().str.extract(_BRANCH, expand=False).map(_WORDS),
        ),
    ]
    for name, found in candidates:
        take = out.isna() & found.notna()
        out[take] = found[take]
        rule[take] = name
    return out.astype(object).where(out.notna(), None), rule.astype(object).where(
        rule.notna(), None
    )


@dataclass(frozen=True)
class ModelReport:
    """What the gap-filling classifier did for one team."""

    used: bool
    reason: str | None
    labelled: int
    classes: int
    cv_accuracy: float | None
    filled: int
    trained_on: int = 0  # size of the (sampled) training set


def _text(frame: pd.DataFrame) -> pd.Series:
    labels = frame["labels"].map(lambda ls: " ".join(ls or ()))
    return (
        frame["title"].fillna("").astype(str)
        + " "
        + frame["branch"].fillna("").astype(str).str.replace(r"[/_\-]", " ", regex=True)
        + " "
        + labels
    )


Key = tuple[int, str, bool, int, int]
_CACHE: OrderedDict[Key, tuple[np.ndarray, ModelReport]] = OrderedDict()
_CACHE_SIZE = 256
_LOCK = threading.Lock()  # the bot answers from several threads


def _fingerprint(items: pd.DataFrame, text: pd.Series) -> tuple[int, str]:
    """A hash of exactly what the classifier sees: each item's text and rule type, in order."""
    typed = items["type"].fillna("\x00").astype(str)
    rows = pd.util.hash_pandas_object(pd.DataFrame({"t": text, "y": typed}), index=False)
    digest = hashlib.blake2b(rows.to_numpy().tobytes(), digest_size=16).hexdigest()
    return len(items), digest


def fill_with_model(
    items: pd.DataFrame,
    seed: int = 0,
    cross_validate: bool = True,
    max_train: int = MAX_TRAIN,
) -> tuple[pd.Series, ModelReport]:
    """Predict the type of unlabelled items from their text; returns (types, report).
    Cross-validation (stratified, up to 5 folds) can be skipped in bulk runs, and the
    training sample made smaller (`max_train`) there: hundreds of teams each fit a model.

    The result is cached per data fingerprint (texts and rule types, in order) and
    settings, so asking again about unchanged data (a repeated slash command) refits
    nothing; the training is deterministic, so a cached answer is the answer."""
    text = _text(items)  # built once: fingerprint, training sample and gaps all use it
    key = (*_fingerprint(items, text), cross_validate, max_train, seed)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
    if hit is not None:
        return pd.Series(hit[0].copy(), index=items.index, name=items["type"].name), hit[1]
    types, report = _fill_with_model(items, seed, cross_validate, max_train, text)
    with _LOCK:
        _CACHE[key] = (types.to_numpy(copy=True), report)
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return types, report


def _fill_with_model(
    items: pd.DataFrame,
    seed: int,
    cross_validate: bool,
    max_train: int,
    text: pd.Series | None = None,
) -> tuple[pd.Series, ModelReport]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    types = items["type"].copy()
    labelled = items[types.notna()]
    counts = labelled["type"].value_counts()
    counts = counts[counts >= 2]
    missing = int(types.isna().sum())
    if len(labelled) < MIN_LABELLED:
        reason = f"only {len(labelled)} labelled items (need {MIN_LABELLED})"
        return types, ModelReport(False, reason, len(labelled), len(counts), None, 0)
    if len(counts) < 2:
        reason = "fewer than 2 work types among labelled items"
        return types, ModelReport(False, reason, len(labelled), len(counts), None, 0)
    train = labelled[labelled["type"].isin(counts.index)]
    if len(train) > max_train:
        train = train.sample(max_train, random_state=seed)
    y = train["type"].to_numpy()
    if text is None or not items.index.is_unique:
        text = _text(items)
        x = _text(train)
    else:
        x = text.loc[train.index]
    model = make_pipeline(
        TfidfVectorizer(min_df=2, max_features=5000, sublinear_tf=True),
        LogisticRegression(max_iter=200),
    )
    accuracy = None
    if cross_validate:
        folds = int(min(5, pd.Series(y).value_counts().min()))
        cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        accuracy = float(np.mean(cross_val_score(model, x, y, cv=cv)))
    filled = 0
    if missing:
        model.fit(x, y)
        gaps = types.isna()
        types[gaps] = model.predict(text[gaps.to_numpy()])
        filled = int(gaps.sum())
    report = ModelReport(True, None, len(labelled), len(counts), accuracy, filled, len(train))
    return types, report


def work_items_frame(prs: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Merged PRs and finished issues in one frame: team, at, title, labels, branch, type."""
    merged = prs[prs["merged_at"].notna() & ~prs["author_is_bot"]]
    done = items[items["resolved_at"].notna()]
    frame = pd.DataFrame(
        {
            "team": np.concatenate([merged["team"].to_numpy(), done["team"].to_numpy()]),
            "at": pd.concat([merged["merged_at"], done["resolved_at"]], ignore_index=True),
            "title": pd.concat([merged["title"], done["title"]], ignore_index=True),
            "labels": pd.concat([merged["labels"], done["labels"]], ignore_index=True),
            "branch": pd.concat(
                [merged["head_ref"], pd.Series([None] * len(done), dtype=object)],
                ignore_index=True,
            ),
            "item_type": pd.concat(
                [pd.Series([None] * len(merged), dtype=object), done["item_type"]],
                ignore_index=True,
            ),
            "source": ["pr"] * len(merged) + ["issue"] * len(done),
            "ownership": np.concatenate(
                [merged["ownership"].to_numpy(), done["ownership"].to_numpy()]
            ),
            "ref": pd.concat(
                [merged["repo"].astype(str) + "#" + merged["number"].astype(str), done["key"]],
                ignore_index=True,
            ),
        }
    )
    return frame


def work_mix_items(
    prs: pd.DataFrame,
    items: pd.DataFrame,
    use_model: bool = True,
    cross_validate: bool = True,
    max_train: int = MAX_TRAIN,
) -> tuple[pd.DataFrame, dict[str, ModelReport]]:
    """Typed items (`type`, `method` = rule name / "model" / None) and a model report per team."""
    frame = work_items_frame(prs, items)
    t, rule = rule_types(frame["labels"], frame["item_type"], frame["title"], frame["branch"])
    frame["type"] = t
    frame["method"] = rule
    reports: dict[str, ModelReport] = {}
    if use_model:
        _fill_per_team(frame, reports, cross_validate, max_train)
    frame["value"] = 1.0
    frame["excluded"] = None
    return frame, reports


def _fill_per_team(
    frame: pd.DataFrame, reports: dict[str, ModelReport], cross_validate: bool, max_train: int
) -> None:
    """Fill each team's untyped rows of `frame` in place with that team's own classifier.

    BLAS runs single-threaded here: these models are tiny, and on a small shared machine
    thread hand-offs made every L-BFGS step ~7x slower than doing it on one core."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        for team, idx in frame.groupby("team").indices.items():
            sub = frame.iloc[idx]
            filled, report = fill_with_model(
                sub, cross_validate=cross_validate, max_train=max_train
            )
            reports[str(team)] = report
            newly = sub["type"].isna() & filled.notna()
            frame.loc[sub.index[newly.to_numpy()], "type"] = filled[newly]
            frame.loc[sub.index[newly.to_numpy()], "method"] = "model"
