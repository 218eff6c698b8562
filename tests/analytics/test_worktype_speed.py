"""The fast paths of the work-type mix give the answers of the plain ones they replace.

Rules: per-title prefix look-up instead of a regex per title, label lists looked up once per
list. Classifier: one tokenising pass for many items, our own column selection and TF-IDF,
and the bulk path (every team at once) against one team at a time.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from analytics.frames import frame
from analytics.metrics import textmodel as tm
from analytics.metrics import worktype as wt
from analytics.metrics import worktype_rules as wtr
from tests.analytics.helpers import pr, utc

# titles built from the pieces that matter to the conventional-commit pattern
_PIECES = st.sampled_from(
    ["fix", "FEAT", "Chore", "ci", "x", "-", " ", "\t", ":", "(", ")", "!", "a:b", "İ", "Σ", "K"]
)
_TITLES = st.lists(_PIECES, max_size=8).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TITLES, st.none(), st.just(3)), max_size=20))
def test_conventional_prefix_lookup_matches_the_regex(titles: list[object]) -> None:
    values = np.array([*titles, "fix(a:b): x", "feat!: y", "  ci(x)!: z"], dtype=object)
    expected = wtr._prefix_codes(values, wtr._CONVENTIONAL)
    assert wtr._conventional_codes(values).tolist() == expected.tolist()


def _plain_rules(labels, item_type, title, branch):
    """The rules as first written: a pandas regex extract per column."""

    def from_labels(ls):
        for label in ls or ():
            w = wtr._normalise(label).split(":")[-1].split("/")[-1]
            if w in wtr._WORDS:
                return wtr._WORDS[w]
        return None

    found = [
        ("label", labels.map(from_labels)),
        (
            "issue type",
            item_type.fillna("").map(lambda s: wtr._WORDS.get(wtr._normalise(str(s)))),
        ),
        (
            "conventional commit",
            title.fillna("")
            .str.lower()
            .str.extract(wtr._CONVENTIONAL, expand=False)
            .map(wtr._WORDS),
        ),
        (
            "branch name",
            branch.fillna("").str.lower().str.extract(wtr._BRANCH, expand=False).map(wtr._WORDS),
        ),
    ]
    types: list[str | None] = [None] * len(labels)
    rules: list[str | None] = [None] * len(labels)
    for name, values in found:
        for i, v in enumerate(values):
            if types[i] is None and isinstance(v, str):
                types[i], rules[i] = v, name
    return types, rules


def test_rules_match_the_plain_pandas_version_and_share_label_lookups() -> None:
    shared = ["area/api", "type/Bug"]
    labels = pd.Series([shared, shared, [], ["tech debt"], ["x"], [], [], [], None], dtype=object)
    item_type = pd.Series([None, None, "Tech_Debt", None, "Story", None, 5, None, None])
    title = pd.Series(["feat: a", None, "fix: b", "", "ci: c", "FIX(ui)!: d", "x", None, "docs:"])
    branch = pd.Series([None, "x", None, "feature/y", None, None, "Hotfix_z", "ops/", None])
    types, rules = wt.rule_types(labels, item_type, title, branch)
    assert (types.tolist(), rules.tolist()) == _plain_rules(labels, item_type, title, branch)
    assert types.tolist()[:2] == ["bug", "bug"]  # a shared list is looked up once, for both


_DOC_WORDS = st.sampled_from(
    ["a", "ab", "Fix", "x_y", "über", "ÉTÉ", "42", "a-b", "/", " ", "\x00", "ß", "İ", "é1"]
)
_DOCS = st.lists(st.lists(_DOC_WORDS, max_size=6).map(" ".join), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(_DOCS)
def test_one_pass_token_counts_are_count_vectorizers(docs: list[str]) -> None:
    counts, tokens = tm._counts(docs)
    got = [{tokens[c]: v for c, v in zip(row.indices, row.data, strict=True)} for row in counts]
    plain = [d.replace("\x00", " ") for d in docs]
    expected: list[dict[str, float]] = [{} for _ in docs]
    if any(re.search(r"\w\w", d.lower()) for d in plain):
        vectorizer = CountVectorizer()
        matrix = vectorizer.fit_transform(plain)
        names = vectorizer.get_feature_names_out()
        expected = [
            {names[c]: v for c, v in zip(row.indices, row.data, strict=True)} for row in matrix
        ]
    assert got == expected
    assert all(np.all(np.diff(row.indices) > 0) for row in counts)  # canonical rows


def test_tfidf_is_sklearns() -> None:
    docs = ["fix crash now", "fix crash", "add page page page", "add", "crash page fix fix"]
    counts, tokens = tm._counts(docs)
    columns = tm._vocabulary(counts, tokens)
    x = tm._select(counts, columns)
    expected = TfidfTransformer(sublinear_tf=True).fit(x)
    np.testing.assert_allclose(
        tm._tfidf(x, tm._idf(x)).toarray(), expected.transform(x).toarray(), rtol=1e-12
    )
    assert tokens[columns].tolist() == ["add", "crash", "fix", "page"]  # min_df=2, alphabetical


def _team_items(team: str, n: int, seed: int) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    words = {
        "feat": ["add", "support", "enable"],
        "fix": ["fix", "handle", "crash"],
        "refactor": ["simplify", "extract", "tidy"],
        "ci": ["pipeline", "runner", "deploy"],
    }
    rows: list[dict[str, object]] = []
    for k in range(n):
        kind = str(rng.choice(list(words)))
        verb = str(rng.choice(words[kind]))
        topic = str(rng.choice(["cart", "login", "search", "billing"]))
        title = f"{kind}: {verb} {topic}" if k % 4 else f"{verb.title()} {topic} {k % 7}"
        at = utc(2026, 11, 2 + k % 20, 10)
        rows.append(pr(k + 1, title=title, merged_at=at, head_ref=f"t/{k}") | {"team": team})
    return rows


def _prs(teams: dict[str, int]) -> pd.DataFrame:
    rows = [row for i, (t, n) in enumerate(teams.items()) for row in _team_items(t, n, i)]
    prs = frame("prs", rows).assign(team=[r["team"] for r in rows], ownership="pr-author")
    return prs


_NO_ISSUES = frame("work_items").assign(team=[], ownership=[])


def test_bulk_fills_each_team_as_that_team_alone() -> None:
    prs = _prs({"team-a": 400, "team-b": 120, "team-c": 20, "team-d": 200})
    items, reports = wt.work_mix_items(prs, _NO_ISSUES, cross_validate=False, max_train=100)
    assert list(reports) == ["team-a", "team-b", "team-c", "team-d"]
    assert not reports["team-c"].used and "need 30" in (reports["team-c"].reason or "")
    for team in ("team-a", "team-b", "team-d"):
        sub = items[items["team"] == team]
        rules = sub.assign(type=sub["type"].where(sub["method"] != "model", None))
        alone, report = wt._fill_with_model(rules, 0, False, 100)
        assert report == reports[team]
        assert alone.tolist() == sub["type"].tolist()
        assert report.used and report.trained_on == min(100, report.labelled) and report.filled
        assert report.filled == int((sub["method"] == "model").sum())


def test_bulk_run_is_deterministic_and_keeps_every_row() -> None:
    prs = _prs({"team-a": 300, "team-b": 300})
    first, r1 = wt.work_mix_items(prs, _NO_ISSUES, cross_validate=False, max_train=50)
    again, r2 = wt.work_mix_items(prs, _NO_ISSUES, cross_validate=False, max_train=50)
    pd.testing.assert_frame_equal(first, again)
    assert r1 == r2 and len(first) == len(prs)
    assert first["type"].notna().all()  # every gap filled


def test_sample_is_the_one_pandas_draws() -> None:
    codes = np.array([0, 1, -1, 2, 1, 0, -1, 3] * 40)  # class 3: 40 items, all eligible
    codes[7] = 4  # a class with a single item is not trained on
    plan = wt._plan(codes, 0, 50)
    eligible = pd.DataFrame({"c": codes})
    eligible = eligible[(eligible["c"] >= 0) & (eligible["c"] != 4)]
    assert plan.train.tolist() == eligible.sample(50, random_state=0).index.tolist()
    assert plan.gaps.tolist() == np.flatnonzero(codes < 0).tolist()


def test_model_is_tfidf_vectorizer_and_linear_svc() -> None:
    """Same cross-validated accuracy and predictions as the sklearn pipeline on raw text."""
    prs = _prs({"team-a": 300})
    items = wt.work_items_frame(prs, _NO_ISSUES)
    items["type"], _ = wt.rule_types(
        items["labels"], items["item_type"], items["title"], items["branch"]
    )
    filled, report = wt._fill_with_model(items, 0, True, wt.MAX_TRAIN)
    docs = np.array(wt._item_docs(items), dtype=object)
    typed = items["type"].notna().to_numpy()
    y = items["type"].to_numpy(dtype=object)[typed]
    pipeline = make_pipeline(
        TfidfVectorizer(min_df=2, max_features=5000, sublinear_tf=True),
        LinearSVC(random_state=0),
    )
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    accuracy = float(np.mean(cross_val_score(pipeline, docs[typed], y, cv=folds)))
    assert report.cv_accuracy == pytest.approx(accuracy, abs=1e-12)
    predicted = pipeline.fit(docs[typed], y).predict(docs[~typed])
    assert filled.to_numpy(dtype=object)[~typed].tolist() == predicted.tolist()
    assert report.cv_accuracy is not None and report.cv_accuracy > 0.9


def test_a_sample_with_one_type_is_not_used_and_nothing_shared_still_fits() -> None:
    rows = [pr(i, title=f"fix: thing {i}") for i in range(60)] + [
        pr(60 + i, title=f"feat: new {i}") for i in range(2)
    ]
    items = frame("prs", rows).rename(columns={"head_ref": "branch"})
    items = items.assign(type=["bug"] * 60 + ["feature"] * 2)
    items.loc[[0, 1], "type"] = None
    _, report = wt._fill_with_model(items, 3, False, 2)  # a 2-item sample: all bugs
    assert not report.used and "single work type" in (report.reason or "")
    lone = frame("prs", [pr(i, title=f"w{i}") for i in range(40)]).rename(
        columns={"head_ref": "branch"}
    )
    lone = lone.assign(type=["bug", "debt"] * 19 + [None, None])  # no word in two items
    types, report = wt._fill_with_model(lone, 0, True, wt.MAX_TRAIN)
    assert report.used and report.filled == 2 and types.notna().all()


def test_items_frame_takes_refs_from_prs_when_given() -> None:
    prs = _prs({"team-a": 3})
    built = wt.work_items_frame(prs, _NO_ISSUES)
    assert built["ref"].tolist() == ["org/api#1", "org/api#2", "org/api#3"]
    given_refs = wt.work_items_frame(prs.assign(ref=["a", "b", "c"]), _NO_ISSUES)
    assert given_refs["ref"].tolist() == ["a", "b", "c"]
    assert list(given_refs.columns) == [
        "team", "at", "title", "labels", "branch", "item_type", "source", "ownership", "ref",
    ]  # fmt: skip
