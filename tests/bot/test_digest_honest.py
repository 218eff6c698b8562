"""Honest digest numbers (issue 15, item 7), on a real store read by the real engine: n
beside every headline figure, an arrow only beyond the usual range, effects that are the
ratio of the numbers shown, one clock, waiting cost in PR-days, Monday to Sunday in the
team's zone, withheld figures named, the stall list limited to the model's ages, and the
same bytes for the same rows."""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from analytics.insights.model import Insight
from analytics.persons import people_reason
from analytics.values import MetricValue
from bot.digest.build import Digest, build_digest
from bot.digest.headline import headline_of
from bot.digest.render import render_digest, render_digest_text
from bot.slack.blocks.insights import figures
from bot.slack.catalog import MetricInfo
from bot.slack.deps import BotDeps
from bot.slack.values import MetricView
from store.db import make_engine
from tests.analytics.insights.synth import END, rows
from tests.bot.digest_store import CONFIG, DIGEST_WEEK, KNOBS, fill, real_deps


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> str:
    """The filled store, once for the module (the tests only read it)."""
    path = tmp_path_factory.mktemp("honest") / "store.db"
    path.write_bytes(template_db.read_bytes())
    engine = make_engine(f"sqlite:///{path}")
    fill(engine)
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def deps(store: str) -> Iterator[BotDeps]:
    d = real_deps(store)
    yield d
    d.engine.dispose()


@pytest.fixture(scope="module")
def digests(deps: BotDeps) -> dict[str, Digest]:
    out = {}
    for team in deps.config.teams:
        out[team.slug] = build_digest(deps, team, DIGEST_WEEK)
    return out


def _baseline_weeks(deps: BotDeps, team: str, metric: str) -> list[float | None]:
    """The 12 weekly values before the digest's week, straight from the engine."""
    series = deps.analytics.weekly_series(
        engine=deps.engine, org=deps.org, team=team, metric=metric, weeks=13, as_of=END
    )
    assert series[-1].period_start == END - timedelta(weeks=1)  # the digest's week last
    return [None if mv.withheld_reason else mv.value for mv in series[-13:-1]]


def test_every_headline_has_its_n_and_an_arrow_only_beyond_the_usual_range(
    deps: BotDeps, digests: dict[str, Digest]
) -> None:
    nouns = {
        "deploy-frequency": "deployments",
        "lead-time": "PRs",
        "cfr": "deployments",
        "recovery-time": "incidents",
    }
    arrows = 0
    for slug, digest in digests.items():
        lines = render_digest(digest).blocks[1]["text"]["text"].splitlines()
        assert len(lines) == len(digest.dora) == 4
        for line, view in zip(lines, digest.dora, strict=True):
            assert f"_n={view.n} {nouns[view.info.id]} · W47_" in line
            weeks = [v for v in _baseline_weeks(deps, slug, view.info.id) if v is not None]
            if view.value is None:
                assert "no data" in line and "↑" not in line and "↓" not in line
                continue
            if len(weeks) < 4:
                assert f"no usual range yet ({len(weeks)} of 12 baseline weeks" in line
                assert "↑" not in line and "↓" not in line
                continue
            med = statistics.median(weeks)
            mad = statistics.median(abs(w - med) for w in weeks) * 1.4826
            low, high = min(med - 3 * mad, min(weeks)), max(med + 3 * mad, max(weeks))
            beyond = not low <= view.value <= high
            assert ("↑" in line or "↓" in line) == beyond, (slug, line, low, high)
            assert ("within the usual range" in line) != beyond
            arrows += beyond
    a = render_digest(digests["team-a"]).blocks[1]["text"]["text"]
    # 2 of 9 deployments failed against a baseline of 0 % to 6.7 %: an arrow; recovery on 2
    # incidents with 1 baseline week that had one: no arrow, and it says why
    assert "*Change failure rate* 22.2% ↑ above the usual range (0.0%–6.7%)" in a
    assert "3.0 d, no usual range yet (1 of 12 baseline weeks had a value)" in a
    assert "_n=2 incidents · W47_" in a
    assert arrows >= 1
    note = render_digest(digests["team-a"]).blocks[2]["elements"][0]["text"]
    assert "median ± 3 × MAD" in note and "within the usual range" in note


def _rendered_insights(digests: dict[str, Digest]) -> list[Insight]:
    found = [ins for d in digests.values() for ins in d.insights]
    assert {i.kind for i in found} >= {"stalled_prs", "review_bottleneck"}
    return found


NUMBER = r"([0-9]+(?:\.[0-9]+)?)"


def test_effect_is_the_ratio_of_the_numbers_shown_and_the_title_says_it(
    digests: dict[str, Digest],
) -> None:
    for ins in _rendered_insights(digests):
        line = figures(ins)
        if ins.effect is None:
            assert "effect" not in line
            continue
        m = re.match(rf"{NUMBER}\S* [^·]*?vs [^·]*? {NUMBER}\S*", line)
        assert m, line
        shown, reference = float(m.group(1)), float(m.group(2))
        assert f"effect {ins.effect.text}" in line
        assert round((shown / reference - 1) * 100) == pytest.approx(ins.effect.value, abs=0.5)
        percents = re.findall(r"[+-]?[0-9.]+%", ins.title)
        assert all(p in line or p in ins.summary for p in percents), (ins.title, line)
    bottleneck = next(i for i in _rendered_insights(digests) if i.kind == "review_bottleneck")
    assert bottleneck.effect is not None
    assert f"Reviews start {bottleneck.effect.text} later" in bottleneck.title


def test_one_clock_per_insight_and_cost_as_pr_days_of_waiting(digests: dict[str, Digest]) -> None:
    for ins in _rendered_insights(digests):
        text = f"{ins.summary} {figures(ins)}"
        assert "h/week" not in text and "hours per week" not in text
        if ins.clock == "working":
            assert "wall" not in text, text
        if ins.cost is not None:
            assert "PR-days" in ins.cost.unit and ins.cost.text in text
    team_c = next(i for i in digests["team-c"].insights if i.kind == "review_bottleneck")
    assert team_c.cost is not None and team_c.value is not None and team_c.peer_value is not None
    # (team median - peers' median) working hours per PR x PRs / 8-hour working days
    expected = (team_c.value - team_c.peer_value) * team_c.n / 8
    assert team_c.cost.amount == pytest.approx(expected, abs=0.06)
    assert f"PRs waited {expected:.0f} working PR-days for a first review" in team_c.cost.text


ZONES = ("Pacific/Auckland", "America/Los_Angeles", "Asia/Kolkata", "Europe/Berlin")


@pytest.mark.parametrize("tz", ZONES)
def test_the_week_is_monday_to_sunday_in_the_teams_zone(store: str, tz: str) -> None:
    deps = real_deps(store, config_text=CONFIG.replace("tz: UTC", f"tz: {tz}"), now=END)
    try:
        team = deps.team("team-a")
        assert team is not None and team.tz == tz
        digest = build_digest(deps, team, "2026-W48", charts=False)
    finally:
        deps.engine.dispose()
    note = render_digest(digest).blocks[2]["elements"][0]["text"]
    assert note.startswith(f"W48: Mon 23 Nov to Sun 29 Nov ({tz}).")
    assert "W48: Mon 23 Nov to Sun 29 Nov" in render_digest_text(digest)


def test_withheld_figures_are_named_with_their_reason(store: str) -> None:
    deps = real_deps(store)
    try:
        team = deps.team("team-d")
        assert team is not None
        org = deps.org
        small = org.team("team-d")
        members = sorted(small.member_keys)[:4]  # a team of 4 people: under the floor of 5
        deps = replace(
            deps,
            org=replace(
                org,
                teams=tuple(
                    replace(t, member_keys=frozenset(members)) if t.slug == "team-d" else t
                    for t in org.teams
                ),
            ),
        )
        digest = build_digest(deps, team, DIGEST_WEEK, charts=False)
    finally:
        deps.engine.dispose()
    withheld = dict(digest.withheld)
    why = people_reason(small)
    assert withheld.get("After-hours work") == why
    assert withheld.get("Review load concentration") == why
    shown = json.dumps(render_digest(digest).blocks, ensure_ascii=False)
    assert f"Withheld: After-hours work ({why}); Review load concentration ({why})" in shown
    assert f"Withheld: After-hours work ({why})" in render_digest_text(digest)


def _open_days(team: str) -> dict[str, float]:
    """Each of the team's PRs still open at END, with its age in days (from the rows)."""
    return {
        f"{p['repo']}#{p['number']}": (END - p["created_at"]).total_seconds() / 86400
        for p in rows(KNOBS)["prs"]
        if p["merged_at"] is None and p["author_key"].startswith(team)
    }


def test_the_stall_list_names_no_abandoned_pr_and_counts_them_apart(
    digests: dict[str, Digest],
) -> None:
    [stalled] = [i for i in digests["team-b"].insights if i.kind == "stalled_prs"]
    ages = _open_days("team-b")
    abandoned = sum(age > 30 for age in ages.values())
    assert abandoned > 40  # the rows leave PRs open for up to 140 days
    assert f"{abandoned} PRs open over 30 days: close or revive?" in stalled.summary
    named = [e.label.removeprefix("PR ") for e in stalled.evidence]
    assert named and all(ages.get(ref, 0) <= 30 for ref in named), named
    assert stalled.extra["abandoned"] == abandoned


def test_the_same_rows_give_the_same_digest_byte_for_byte(
    deps: BotDeps, digests: dict[str, Digest], template_db: Path, tmp_path: Path
) -> None:
    """Built twice on one store, and once on a store holding the same rows inserted in
    another order: the rendered messages and texts are identical."""

    def rendered(d: Digest) -> bytes:
        r = render_digest(d)
        return json.dumps([r.text, r.blocks, render_digest_text(d)], ensure_ascii=False).encode()

    again = {t.slug: build_digest(deps, t, DIGEST_WEEK) for t in deps.config.teams}
    path = tmp_path / "shuffled.db"
    path.write_bytes(template_db.read_bytes())
    engine = make_engine(f"sqlite:///{path}")
    fill(engine, shuffle=3)
    engine.dispose()
    shuffled = real_deps(f"sqlite:///{path}")
    try:
        other = {t.slug: build_digest(shuffled, t, DIGEST_WEEK) for t in shuffled.config.teams}
    finally:
        shuffled.engine.dispose()
    for slug, digest in digests.items():
        assert rendered(again[slug]) == rendered(digest), slug
        assert rendered(other[slug]) == rendered(digest), slug


def _worked_case() -> str:
    page = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text("utf-8")
    start = page.index("**Digest arithmetic.**")
    end = page.find("\n\n", start)
    return " ".join(page[start : end if end > 0 else None].split())


def test_the_digest_arithmetic_worked_case_holds() -> None:
    """docs/metrics.md's "Digest arithmetic" case, number by number, from the code."""
    from analytics.insights.detectors.review import PEER_WEEKS
    from analytics.insights.stall import Risk, trained_ages
    from analytics.insights.wording import effect_between, waiting_cost
    from analytics.noise import reading, usual_range
    from bot.digest.render import week_days

    case = _worked_case()
    weeks = [26.1, 31.9, 23.2, 29.0, 34.8, 27.55, 30.45, 24.65, 33.35, 29.0, 26.1, 31.9]
    usual = usual_range(weeks)
    assert usual is not None
    assert (usual.median, round(usual.mad, 2)) == (29.0, 4.30)
    assert f"{usual.low:.1f} h to {usual.high:.1f} h" == "16.1 h to 41.9 h"
    assert "= 16.1 h to 41.9 h" in case
    assert reading(40.0, weeks)[0] == "within" and reading(45.0, weeks)[0] == "above"
    info = MetricInfo("lead-time", "lead-time", "Lead time", "hours", "", False)
    at = END - timedelta(weeks=1)
    value = MetricValue("lead-time", "team-a", at, END, 40.0, "hours", 12, "")
    line = headline_of(MetricView.of(info, value), [], at, 12)
    line = replace(line, move=reading(40.0, weeks)[0], usual=usual)
    assert f'"{line.reading_text()} {line.n_text}"' in case
    assert f"{40 / 29 - 1:.0%} above the baseline" in case
    cfr = [0.0] * 10 + [0.05, 0.10]
    flat = usual_range(cfr)
    assert flat is not None and (flat.mad, flat.low, flat.high) == (0.0, 0.0, 0.10)
    assert reading(1 / 18, cfr)[0] == "within" and reading(2 / 9, cfr)[0] == "above"
    assert usual_range([1.0, 2.0, 3.0]) is None and "Fewer than 4 baseline weeks" in case
    review = effect_between(3.61, 2.53, "working hours")
    load = effect_between(0.892, 2 / 7, "share")
    assert review is not None and load is not None
    assert f"= {review.text}" in case and f"Reviews start {review.text} later" in case
    assert f"(28.6%) is {load.text}, not +89%" in case
    cost = waiting_cost(
        144 * 1.5,
        day_hours=8,
        clock="working",
        what="for a first review beyond the similar teams' median",
        weeks=PEER_WEEKS,
    )
    assert cost.amount == 27 and f'("{cost.text}")' in case
    monday, sunday = week_days("2026-W48")
    assert f'"{monday:%a %d %b} to {sunday:%a %d %b}"' in case
    assert trained_ages() == (0.5, 1.0, 1.5, 2.0, 2.5)
    assert "waiting for a first review 0.5, 1, 1.5, 2 and 2.5 working days" in case
    nine = Risk((), (), "", tuple(f"acme/x#{i}" for i in range(9)))
    assert f'"{nine.abandoned_text}"' in case
