"""Issue 20 item 4: every team's digest from one computation, and one answer.

On a real store read by the real engine (tests/bot/digest_store.py: a stalling team, a
slow-reviewing team, a team working at night), all teams' digests are built together
(`build_digests`, what the scheduler and the leaders' digest run) and each team's alone
(`build_digest`, what `metrics-bot digest --team` and `/metrics digest` run): the same
blocks, the same text, the same charts. The run asks the analytics port once per (week,
as-of instant) for the findings and once for the figures, never per team: a flagged delay's
likely cause is diagnosed on the findings' own run, not through `why` (a load per team). A
second zone makes a second run, and its teams still get their own digests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from analytics.bulk import TeamAnswers
from analytics.insights.engine import OrgRun
from analytics.insights.hiding import Findings
from bot.core.ports import AnalyticsPort, EngineAnalytics
from bot.digest import claims
from bot.digest.batch import DigestBatch
from bot.digest.build import Digest, build_digest, build_digests, digest_week
from bot.digest.leaders import LEADS_INSIGHTS
from bot.digest.render import render_digest, render_digest_text
from bot.slack.deps import BotDeps
from bot.slack.values import MetricView
from store.db import make_engine
from tests.bot.digest_store import CONFIG, DIGEST_WEEK, fill, real_deps

ZONED = CONFIG.replace("    tz: UTC\n", "    tz: America/New_York\n", 1).replace(
    "    repositories:", "    leads: [U0LEAD0001]\n    repositories:"
)
"""The same org with its first team five hours behind (two as-of instants, two runs), and
a lead per team."""


@dataclass(frozen=True)
class Counting(EngineAnalytics):
    """The real engine, counting the calls the digests make (nothing else changed)."""

    counts: dict[str, int] = field(default_factory=dict)

    def _count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    def findings(self, **kw: Any) -> Findings:
        self._count("findings")
        return super().findings(**kw)

    def compute_metric(self, **kw: Any) -> Any:
        self._count("compute_metric")
        return super().compute_metric(**kw)

    def weekly_series(self, **kw: Any) -> Any:
        self._count("weekly_series")
        return super().weekly_series(**kw)

    def org_findings(self, **kw: Any) -> OrgRun:
        self._count("org_findings")
        return super().org_findings(**kw)

    def why(self, **kw: Any) -> Any:
        self._count("why")
        return super().why(**kw)

    def team_answers(self, **kw: Any) -> Mapping[str, TeamAnswers]:
        self._count("team_answers")
        return super().team_answers(**kw)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> str:
    path = tmp_path_factory.mktemp("one_run") / "store.db"
    path.write_bytes(template_db.read_bytes())
    engine = make_engine(f"sqlite:///{path}")
    fill(engine)
    engine.dispose()
    return f"sqlite:///{path}"


def _deps(store: str, config: str) -> Iterator[BotDeps]:
    d = real_deps(store, config_text=config)
    yield replace(d, analytics=Counting())
    d.engine.dispose()


@pytest.fixture(scope="module")
def deps(store: str) -> Iterator[BotDeps]:
    yield from _deps(store, CONFIG)


@pytest.fixture(scope="module")
def zoned(store: str) -> Iterator[BotDeps]:
    yield from _deps(store, ZONED)


def _counts(deps: BotDeps) -> dict[str, int]:
    port: AnalyticsPort = deps.analytics
    assert isinstance(port, Counting)
    return port.counts


def _same(alone: Digest, together: Digest) -> None:
    assert render_digest(alone).blocks == render_digest(together).blocks
    assert render_digest(alone).text == render_digest(together).text
    assert render_digest_text(alone) == render_digest_text(together)
    assert alone.series == together.series
    assert alone.trends == together.trends


def _all(deps: BotDeps, *, charts: bool = True) -> dict[str, Digest]:
    _counts(deps).clear()
    out = build_digests(deps, [(t, DIGEST_WEEK) for t in deps.config.teams], charts=charts)
    return out


def test_all_teams_come_from_one_run_and_match_each_team_alone(deps: BotDeps) -> None:
    together = _all(deps)
    assert _counts(deps) == {"org_findings": 1, "team_answers": 1}  # not one per team
    assert set(together) == {t.slug for t in deps.config.teams}
    flagged = [d for d in together.values() if d.insights]
    assert len(flagged) >= 2, "the world flags stalls, slow reviews and night work"
    assert any(p for d in flagged for i in d.insights for p in i.peers), "charts with peers"
    assert any(d.series for d in flagged)
    delays = [i for d in flagged for i in d.insights if i.metric == "review-time"]
    assert delays, "a flagged delay: its likely cause is diagnosed on this run, no `why` call"
    for team in deps.config.teams:
        _counts(deps).clear()
        alone = build_digest(deps, team, DIGEST_WEEK)
        assert _counts(deps) == {"org_findings": 1, "team_answers": 1}
        _same(alone, together[team.slug])


def test_without_charts_too(deps: BotDeps) -> None:
    """`/metrics digest` and the leaders' digest build without charts."""
    together = _all(deps, charts=False)
    for team in deps.config.teams:
        _same(build_digest(deps, team, DIGEST_WEEK, charts=False), together[team.slug])


def test_teams_in_another_zone_make_their_own_run(zoned: BotDeps) -> None:
    together = _all(zoned)
    assert _counts(zoned) == {"org_findings": 2, "team_answers": 2}
    starts = {d.start for d in together.values()}
    assert len(starts) == 2, "each team's week in its own zone"
    first = zoned.config.teams[0]
    _same(build_digest(zoned, first, DIGEST_WEEK), together[first.slug])


def test_the_week_is_read_from_the_run_as_compute_metric_answers_it(deps: BotDeps) -> None:
    """Each headline figure taken from the run's weekly series is `compute_metric`'s."""
    together = _all(deps)
    port = deps.analytics
    for team in deps.config.teams:
        digest = together[team.slug]
        for view in digest.dora:
            alone = port.compute_metric(
                engine=deps.engine,
                org=deps.org,
                team=team.slug,
                metric=view.info.id,
                start=digest.start,
                end=digest.end,
                as_of=min(digest.end, deps.now()),
            )
            assert view == MetricView.of(view.info, alone), (team.slug, view.info.id)


def test_the_scheduled_jobs_of_a_zone_share_one_batch(zoned: BotDeps) -> None:
    """Each team's job asks the shared batch: the first builds its zone's digests, the rest
    reuse them; the other zone is its own build."""
    together = _all(zoned)
    batch = DigestBatch(zoned)
    _counts(zoned).clear()
    got = {t.slug: batch.digest(t, DIGEST_WEEK) for t in zoned.config.teams}
    assert _counts(zoned) == {"org_findings": 2, "team_answers": 2}
    for slug, digest in got.items():
        _same(digest, together[slug])
    again = batch.digest(zoned.config.teams[-1], DIGEST_WEEK)
    assert again is got[zoned.config.teams[-1].slug]
    assert _counts(zoned) == {"org_findings": 2, "team_answers": 2}


def test_the_leads_digests_share_a_batch_too(zoned: BotDeps) -> None:
    batch = DigestBatch(zoned)
    _counts(zoned).clear()
    got = {t.slug: batch.leads_digest(t, DIGEST_WEEK, LEADS_INSIGHTS) for t in zoned.config.teams}
    assert _counts(zoned) == {"org_findings": 2, "team_answers": 2}
    for team in zoned.config.teams:
        alone = build_digest(zoned, team, DIGEST_WEEK, charts=False, max_insights=LEADS_INSIGHTS)
        _same(alone, got[team.slug])


def test_a_batch_leaves_out_the_teams_already_posted(deps: BotDeps) -> None:
    """A catch-up or retry builds only what is still to post (another week than the tests
    above, so their runs are untouched)."""
    week = "2026-W46"
    first, rest = deps.config.teams[0], deps.config.teams[1:]
    taken = claims.claim(deps.sessions, claims.Key(first.slug, week, "team"), "C0", deps.now())
    assert claims.mark_posted(deps.sessions, taken, "1.0", deps.now())
    batch = DigestBatch(deps)
    key = (week, digest_week(deps, rest[0], week).as_of, "team")
    assert [t.slug for t in batch.due_with(key)] == [t.slug for t in rest]
    assert batch.due_with((week, key[1], "leads")) == []  # no team of this config has leads
