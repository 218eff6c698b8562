"""The work-type text classifier's pieces: documents from titles, branches and labels,
tokens and counts in one pass over every team's text, TF-IDF exactly as
`TfidfVectorizer(min_df=2, max_features=5000, sublinear_tf=True)` makes it, a linear SVM
fit and its cross-validated accuracy (see `analytics.metrics.worktype`)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

MIN_DF = 2  # a token must appear in this many training items to be a feature
MAX_FEATURES = 5000


# TfidfVectorizer's tokens (runs of 2+ word characters, lower-cased), plus the NUL that
# separates items when many are tokenised in one pass
_TOKEN = re.compile(r"\w\w+|\x00")


_SEP = "\x00"


def _str(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) else str(v)


def _docs(title: np.ndarray, branch: np.ndarray, labels: np.ndarray) -> list[str]:
    """What the classifier reads of each item: title, branch name ("_" splits words there, as
    "/" and "-" do) and labels."""
    return [
        f"{t if type(t) is str else _str(t)} "
        f"{(b if type(b) is str else _str(b)).replace('_', ' ')} {' '.join(ls) if ls else ''}"
        for t, b, ls in zip(title, branch, labels, strict=True)
    ]


# ASCII bytes that are not word characters ([A-Za-z0-9_]) become spaces; NUL is kept
_ASCII_WORDS = bytes(c if chr(c).isalnum() or c in (0, 95) else 32 for c in range(128)) + bytes(
    [32] * 128
)


def _tokens(docs: list[str]) -> list[str]:
    """Lower-cased word tokens of all `docs` in one pass, each document followed by a NUL token.
    Runs of one word character are left in (`_counts` drops them): with them dropped these are
    TfidfVectorizer's tokens (its default pattern, runs of 2+ word characters)."""
    text = " \x00 ".join(docs) + " \x00"
    if text.count(_SEP) != len(docs):  # a NUL inside a title must not split the item
        text = " \x00 ".join(d.replace(_SEP, " ") for d in docs) + " \x00"
    if text.isascii():  # the usual case: byte-level translate and split, ~2x a regex pass
        return text.encode("ascii").lower().translate(_ASCII_WORDS).decode("ascii").split()
    return _TOKEN.findall(text.lower())


def _counts(docs: list[str]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Token counts of `docs` (canonical CSR: sorted columns, no duplicates) over their joint
    vocabulary, and the vocabulary (token per column)."""
    if not docs:
        return sparse.csr_matrix((0, 0)), np.array([], dtype=object)
    tokens = _tokens(docs)
    codes, vocab = pd.factorize(np.asarray(tokens, dtype=object))
    # (not `vocab == _SEP`: numpy drops the trailing NULs of a str scalar, comparing with "")
    sep = codes[len(tokens) - 1]
    is_sep = codes == sep
    row = np.cumsum(is_sep) - is_sep
    keep = np.fromiter(map(len, vocab), dtype=np.int64, count=len(vocab))[codes] >= 2
    col, row = codes[keep], row[keep]
    indptr = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=len(docs)), out=indptr[1:])
    counts = sparse.csr_matrix(
        (np.ones(len(col), dtype=np.float64), col, indptr), shape=(len(docs), len(vocab))
    )
    counts.sum_duplicates()
    return counts, np.asarray(vocab, dtype=object)


def _vocabulary(train: sparse.csr_matrix, tokens: np.ndarray) -> np.ndarray:
    """Columns TfidfVectorizer(min_df=MIN_DF, max_features=MAX_FEATURES) would keep, fitted on
    the `train` rows, in its (alphabetical) order: the features do not depend on which other
    items were tokenised with these, so a team's model is the same in bulk and alone."""
    cols, df = np.unique(train.indices, return_counts=True)
    keep = cols[df >= MIN_DF]
    if len(keep) > MAX_FEATURES:  # the most frequent, as sklearn keeps them
        tf = np.asarray(train[:, keep].sum(axis=0)).ravel()
        best = sorted(range(len(keep)), key=lambda i: (-tf[i], tokens[keep[i]]))
        keep = keep[np.sort(np.asarray(best[:MAX_FEATURES]))]
    return keep[np.argsort(tokens[keep], kind="stable")]


def _select(x: sparse.csr_matrix, columns: np.ndarray) -> sparse.csr_matrix:
    """`x` restricted to `columns`, renumbered 0..len(columns)-1 in that order (canonical)."""
    if len(columns) == 0 or x.nnz == 0:  # (no shared word: the model has its intercepts only)
        return sparse.csr_matrix((x.shape[0], max(len(columns), 1)))
    by_id = np.argsort(columns)
    ids = columns[by_id]
    pos = np.minimum(np.searchsorted(ids, x.indices), len(ids) - 1)
    hit = ids[pos] == x.indices
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))[hit]
    indptr = np.zeros(x.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=x.shape[0]), out=indptr[1:])
    out = sparse.csr_matrix(
        (x.data[hit], by_id[pos[hit]], indptr), shape=(x.shape[0], len(columns))
    )
    out.sort_indices()
    return out


def _idf(train: sparse.csr_matrix) -> np.ndarray:
    """Smoothed idf of each column, as TfidfTransformer fits it."""
    df = np.bincount(train.indices, minlength=train.shape[1])
    return np.log((1.0 + train.shape[0]) / (1.0 + df)) + 1.0


def _tfidf(x: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """TfidfTransformer(sublinear_tf=True).transform: (1 + log tf) * idf, rows l2-normalised.
    Done here because sklearn's input checks cost more than the arithmetic on these sizes."""
    data = (np.log(x.data) + 1.0) * idf[x.indices]
    rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=x.shape[0]))
    data /= np.where(norms > 0, norms, 1.0)[rows]
    return sparse.csr_matrix((data, x.indices.copy(), x.indptr.copy()), shape=x.shape)


def _fit_predict(
    train: sparse.csr_matrix,
    y: np.ndarray,
    tokens: np.ndarray,
    seed: int,
    *targets: sparse.csr_matrix,
) -> list[np.ndarray]:
    """Fit TF-IDF + linear SVM on token counts `train` (labels `y`); predict each target."""
    import sklearn
    from sklearn.svm import LinearSVC

    columns = _vocabulary(train, tokens)
    x = _select(train, columns)
    idf = _idf(x)
    # our own arrays, checked above: sklearn's per-call validation is most of a fit's time
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
        model = LinearSVC(random_state=seed).fit(_tfidf(x, idf), y)
        return [model.predict(_tfidf(_select(t, columns), idf)) for t in targets]


def _cv_accuracy(
    train: sparse.csr_matrix, y: np.ndarray, tokens: np.ndarray, seed: int
) -> float | None:
    """Mean held-out accuracy over stratified folds (up to 5); features are refitted per fold."""
    from sklearn.model_selection import StratifiedKFold

    folds = int(min(5, np.bincount(y).min()))
    if folds < 2:  # a class left with one item by the sample: nothing to hold out
        return None
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = []
    for fit_rows, test_rows in cv.split(np.zeros(len(y)), y):
        (pred,) = _fit_predict(train[fit_rows], y[fit_rows], tokens, seed, train[test_rows])
        scores.append(float(np.mean(pred == y[test_rows])))
    return float(np.mean(scores))
