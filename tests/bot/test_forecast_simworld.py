"""Forecasts on the simulated org, through the real path: simulator → Jira and Linear fakes
over HTTP → `metrics-bot ingest` → store → `metrics-bot forecast`, `/metrics forecast` (the
real Bolt app into the Slack fake) and the digest's Delivery risk, for a Jira epic, a Linear
project whose items sit in its milestones, and a milestone. Checked against an independent
reading of the store: a project's items are its own and its milestones'; a milestone is
finished when its last item is (ingest gives it its project's resolution)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select

from analytics.calendar import week_bounds, week_label
from analytics.forecast import ForecastError, forecast_at, load_tracker
from bot.cli import main
from bot.config import AppConfig, load_config
from bot.core.forecast import forecast_team
from bot.server import build_asgi
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.sim import simulate
from sandbox.stack import Sandbox
from store.models import DeliveryTarget, WorkItem
from tests.bot.helpers import MEMBER, TOKEN, make_deps
from tests.bot.test_forecast_paths import _all_text, _ask
from tests.cli.test_bad_input import SECRETS

END = datetime(2026, 11, 23, tzinfo=UTC)


@dataclass(frozen=True)
class SimWorld:
    directory: Path
    config: AppConfig

    @property
    def url(self) -> str:
        return f"sqlite:///{self.directory / 'metrics-bot.db'}"


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimWorld]:
    """Seed 7's org (it has Jira epics and Linear projects cut into milestones), ingested."""
    directory = tmp_path_factory.mktemp("simworld")
    simulate(directory, seed=7, weeks=26, end=END)
    with Sandbox(directory) as sandbox:
        config = sandbox.write_config()
        args = ["--config", str(config), "ingest", "--source", "jira", "--source", "linear"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    yield SimWorld(directory, load_config(config))


def _store_items(url: str) -> dict[str, list[tuple[str, datetime | None]]]:
    """parent_key -> (item key, resolved_at), read straight from the store."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(WorkItem.parent_key, WorkItem.key, WorkItem.resolved_at))
        out: dict[str, list[tuple[str, datetime | None]]] = {}
        for parent, key, resolved in rows:
            if parent:
                out.setdefault(parent, []).append((key, resolved))
    engine.dispose()
    return out


def _names(url: str) -> dict[str, list[str]]:
    """Target name (lower-cased) -> the keys of the targets called that."""
    engine = create_engine(url)
    with engine.connect() as conn:
        out: dict[str, list[str]] = {}
        for key, name in conn.execute(select(DeliveryTarget.key, DeliveryTarget.name)):
            out.setdefault(name.lower(), []).append(key)
    engine.dispose()
    return out


def _targets(url: str) -> list[tuple[str, str, str | None]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        t = DeliveryTarget
        rows = [
            (k, kind, slug) for k, kind, slug in conn.execute(select(t.key, t.kind, t.team_slug))
        ]
    engine.dispose()
    return rows


def _pick(sim: SimWorld, kind: str) -> tuple[str, str, datetime, int]:
    """A target of `kind` that can be forecast at a Monday while it is open, with
    milestones for a project: (key, team, instant, its item count then per the store)."""
    items = _store_items(sim.url)
    for key, k, slug in sorted(_targets(sim.url)):
        if k != kind or slug is None:
            continue
        own = items.get(key, [])
        nested = [i for p, v in items.items() if p.startswith(key + "/") for i in v]
        if kind == "project" and (own or not nested):
            continue  # a project whose items all sit in its milestones
        team = next(t for t in sim.config.teams if t.slug == slug)
        data = load_tracker(create_engine(sim.url), slug, [*team.jira_projects, *team.linear_teams])
        monday = END - timedelta(weeks=1)
        while monday > END - timedelta(weeks=20):
            try:
                made = forecast_at(data, key, monday)
            except ForecastError:
                monday -= timedelta(weeks=1)
                continue
            return key, slug, monday, made.state.total
        continue
    raise AssertionError(f"no forecastable {kind} in the simulated world")


@pytest.mark.parametrize("kind", ["epic", "project", "milestone"])
def test_cli_slack_and_digest_forecast_each_kind(sim: SimWorld, kind: str) -> None:
    key, slug, at, total = _pick(sim, kind)
    config = sim.directory / "metrics-bot.yaml"
    args = ["--config", str(config), "forecast", key, "--as-of", at.strftime("%Y-%m-%dT%H:%M")]
    done = CliRunner().invoke(main, [*args, "--json"], env=SECRETS)
    assert done.exit_code == 0, done.output
    got = json.loads(done.output)
    assert got["kind"] == kind and got["items"]["total"] == total > 0
    fake = SlackFake(tokens=[TOKEN])
    fake.add_channel("C0TEAMA001", "team-a")
    fake.add_user(MEMBER, "member")
    with fake:
        deps = make_deps(
            sim.url, api_url=fake.base_url, config=sim.config, migrate=False, clock=lambda: at
        )
        with LocalServer(build_asgi(deps)) as url:
            shown = _all_text(_ask(fake, url, f"forecast {key}"))
            name = got["name"]
            by_name = _all_text(_ask(fake, url, f"forecast {name.upper()}"))
        assert f"85%: {got['p85']}" in shown, shown
        if kind != "epic":  # a Linear key is a UUID: shown by its (project's) name
            assert got["label"] != key and f"Forecast · {got['label']}" in shown, shown
        same_name = _names(sim.url)[name.lower()]
        if same_name == [key]:  # a name, spaces and all, finds its target like the key
            assert f"85%: {got['p85']}" in by_name, by_name
        else:  # a name several targets share asks for the key
            assert f"are called `{name.upper()}`" in by_name and key in by_name
        team = next(t for t in sim.config.teams if t.slug == slug)
        week = week_label(at - timedelta(days=1), team.tz or "UTC")
        flagged = forecast_team(deps, team, week_bounds(week, team.tz or "UTC")[1])
        deps.engine.dispose()
    risky = [a.forecast for a in flagged.answers if a.at_risk]
    listed = {a.forecast.key for a in flagged.answers} | {k for k, _ in flagged.skipped}
    assert key in listed  # open at the week's end, so in the team's list then
    digest = CliRunner().invoke(
        main, ["--config", str(config), "digest", slug, "--week", week], env=SECRETS
    )
    assert digest.exit_code == 0, digest.output
    assert ("Delivery risk" in digest.output) == bool(risky)
    assert all(f.shown in digest.output for f in risky)
    if kind != "epic":  # Linear's keys are UUIDs: the digest names the project instead
        assert all(f.shown != f.key and f.key not in digest.output for f in risky)


def test_a_milestone_finishes_with_its_last_item_and_a_project_holds_its_milestones(
    sim: SimWorld,
) -> None:
    items = _store_items(sim.url)
    checked = 0
    for key, kind, slug in _targets(sim.url):
        if kind != "milestone" or slug is None:
            continue
        team = next(t for t in sim.config.teams if t.slug == slug)
        data = load_tracker(create_engine(sim.url), slug, [*team.linear_teams])
        resolved = [r for _, r in items.get(key, [])]
        row = data.target(key)
        assert row is not None
        if resolved and all(r is not None for r in resolved):
            last = max(r for r in resolved if r is not None).replace(tzinfo=UTC)
            assert row["resolved"] == int(last.timestamp()) * 10**9 + last.microsecond * 1000
            checked += 1
        else:
            assert row["resolved"] < 0  # NAT: open while an item is
        project = data.target(key.split("/")[0])
        assert project is not None
    assert checked >= 2
