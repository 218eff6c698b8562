"""The CLI over a real pipeline: simulated world -> local fakes -> ingest over HTTP -> query.

One small world is built and ingested once for the module; each test then drives the
console script the way a user would (click's runner, or a real subprocess for `serve`).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from bot.cli import main
from sandbox.fakes.slack_signing import SlackRequestSender
from sandbox.sim import simulate
from sandbox.stack import Sandbox

END = datetime(2026, 11, 23, tzinfo=UTC)
AS_OF = "2026-11-23"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A 3-team, 5-week world, served by the fakes and ingested by `metrics-bot ingest`."""
    directory = tmp_path_factory.mktemp("world")
    simulate(directory, seed=11, teams=3, weeks=5, end=END)
    with Sandbox(directory) as sandbox:
        config = sandbox.write_config()
        result = CliRunner().invoke(main, ["--config", str(config), "ingest"])
        assert result.exit_code == 0, result.output
        assert "github: ok" in result.output
        yield directory


def _cli(world: Path, *args: str) -> object:
    return CliRunner().invoke(main, ["--config", str(world / "metrics-bot.yaml"), *args])


def test_query_json_has_the_promised_fields(world: Path) -> None:
    result = _cli(world, "query", "review-time", "team-b", "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    answer = json.loads(result.output)  # type: ignore[attr-defined]
    for key in (
        "metric",
        "team",
        "period",
        "value",
        "unit",
        "n",
        "baseline",
        "trend",
        "definition",
    ):
        assert key in answer
    assert answer["metric"] == "review-time" and answer["team"] == "team-b"
    assert answer["n"] > 0 and answer["value"] > 0
    assert answer["period"]["end"].startswith("2026-11-23")


def test_query_text_explains_how_it_was_computed(world: Path) -> None:
    result = _cli(world, "query", "lead time", "team-a", "--as-of", AS_OF, "--period", "3w")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "definition: Median time from a pull request's first commit" in result.output  # type: ignore[attr-defined]
    assert "PR-to-deployment links:" in result.output  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("review-time", "team-bb"), "Did you mean 'team-b'?"),
        (("reveiw-time", "team-b"), "Did you mean 'review-time'?"),
        (("review-time", "team-b", "--period", "forever"), "use 7d, 4w, week, month, quarter"),
    ],
)
def test_bad_queries_exit_2_with_a_hint(world: Path, args: tuple[str, ...], expected: str) -> None:
    result = _cli(world, "query", *args)
    assert result.exit_code == 2
    assert expected in result.output  # type: ignore[attr-defined]


def test_query_takes_the_slack_words_for_groups_and_periods(world: Path) -> None:
    """`dora`, `health`, `month`, `quarter`: what `/metrics` accepts, the CLI accepts."""
    from bot.slack.catalog import DORA, HEALTH

    dora = _cli(world, "query", "dora", "team-a", "month", "--as-of", AS_OF, "--json")
    assert dora.exit_code == 0, dora.output  # type: ignore[attr-defined]
    answers = json.loads(dora.output)  # type: ignore[attr-defined]
    assert [a["metric"] for a in answers] == list(DORA)
    assert {a["period"]["start"][:10] for a in answers} == {"2026-10-24"}  # 30 days, as Slack
    health = _cli(world, "query", "health", "team-b", "--period", "quarter", "--as-of", AS_OF)
    assert health.exit_code == 0, health.output  # type: ignore[attr-defined]
    for metric in HEALTH:
        assert f"{metric} for team-b, 2026-08-24 to 2026-11-23" in health.output  # type: ignore[attr-defined]


def test_the_demos_next_commands_run_as_printed(
    world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Printed from the folder above the demo's, each command runs there when pasted."""
    import shlex

    from bot.cli.demo import invoked_as, shown_path, try_next

    monkeypatch.chdir(world.parent)
    script = Path(sys.executable).parent / "metrics-bot"
    exe = invoked_as(str(script), world.parent, which=lambda name: None)
    config = shown_path(world / "metrics-bot.yaml", world.parent)
    assert config == f"{world.name}/metrics-bot.yaml"  # relative to where it was printed
    lines = try_next(exe, config, ["team-a", "team-b", "team-c"])
    first = shlex.split(lines[0])
    run = subprocess.run(first, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert "review-time for team-b" in run.stdout
    for line in lines[1:]:
        words = shlex.split(line)
        result = CliRunner().invoke(main, words[1:])
        assert result.exit_code == 0, (line, result.output)


def test_a_second_ingest_changes_nothing(world: Path) -> None:
    from sqlalchemy import create_engine, func, select

    from store.models import PullRequest, Review

    engine = create_engine(f"sqlite:///{world / 'metrics-bot.db'}")
    with engine.connect() as conn:
        before = [conn.scalar(select(func.count()).select_from(t)) for t in (PullRequest, Review)]
    with Sandbox(world) as sandbox:
        sandbox.write_config()
        result = _cli(world, "ingest")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    with engine.connect() as conn:
        after = [conn.scalar(select(func.count()).select_from(t)) for t in (PullRequest, Review)]
    assert after == before and before[0] > 0
    engine.dispose()


def test_digest_renders_for_a_team(world: Path) -> None:
    result = _cli(world, "digest", "team-a", "--week", "2026-W47")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "Weekly digest" in result.output and "2026-W47" in result.output  # type: ignore[attr-defined]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_health_and_signed_slash_commands(world: Path) -> None:
    """The real console script serves /healthz, checks Slack signatures, acks commands."""
    port = _free_port()
    env = {**os.environ, "METRICS_BOT_CONFIG": str(world / "metrics-bot.yaml")}
    sandbox = Sandbox(world)
    sandbox.start()
    sandbox.write_config()  # Bolt checks its token against the (fake) Slack on start
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            assert time.monotonic() < deadline, "server did not become healthy"
            time.sleep(0.2)
        secret = (world / "secrets" / "slack-signing-secret").read_text().strip()
        sender = SlackRequestSender(secret)
        ok = sender.slash_command(base + "/slack/events", text="help", channel_id="C0TEAMA")
        assert ok.status_code == 200
        assert "/metrics" in ok.text  # the usage comes back inside the ack
        forged = SlackRequestSender("not-the-secret").slash_command(
            base + "/slack/events", text="help"
        )
        assert forged.status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()
        sandbox.stop()


def test_annotations_are_stored_and_bad_ones_refused(world: Path) -> None:
    from sqlalchemy import create_engine, select

    from store.models import Annotation

    ok = _cli(
        world,
        "annotate",
        "team-a",
        "--from",
        "2026-11-09",
        "--to",
        "2026-11-13",
        "--note",
        "security training",
    )
    assert ok.exit_code == 0, ok.output  # type: ignore[attr-defined]
    backwards = _cli(
        world, "annotate", "team-a", "--from", "2026-11-13", "--to", "2026-11-09", "--note", "x"
    )
    assert backwards.exit_code == 2
    unknown = _cli(
        world, "annotate", "team-z", "--from", "2026-11-09", "--to", "2026-11-13", "--note", "x"
    )
    assert unknown.exit_code == 2 and "Teams:" in unknown.output  # type: ignore[attr-defined]
    engine = create_engine(f"sqlite:///{world / 'metrics-bot.db'}")
    with engine.connect() as conn:
        rows = conn.execute(
            select(Annotation.team_slug, Annotation.note, Annotation.exclude_from_baseline)
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("team-a", "security training", True)]


def test_ingest_since_rereads_the_window_without_duplicating(world: Path) -> None:
    import re

    from sqlalchemy import create_engine, func, select

    from store.models import Deployment, PullRequest

    def counts() -> list[int | None]:
        engine = create_engine(f"sqlite:///{world / 'metrics-bot.db'}")
        with engine.connect() as conn:
            found = [
                conn.scalar(select(func.count()).select_from(t)) for t in (PullRequest, Deployment)
            ]
        engine.dispose()
        return found

    def requests(output: str) -> int:
        match = re.search(r"github: ok, .*?(\d+) requests", output)
        assert match, output
        return int(match.group(1))

    before = counts()
    with Sandbox(world) as sandbox:
        sandbox.write_config()
        quiet = _cli(world, "ingest", "--source", "github")
        again = _cli(world, "ingest", "--source", "github", "--since", "2026-11-10")
    assert quiet.exit_code == 0 and again.exit_code == 0, again.output  # type: ignore[attr-defined]
    moved = re.search(r"\((\d+) cursors moved back\)", again.output)  # type: ignore[attr-defined]
    assert moved and int(moved.group(1)) > 0
    assert requests(again.output) >= requests(quiet.output)  # type: ignore[attr-defined]
    assert counts() == before
    engine = create_engine(f"sqlite:///{world / 'metrics-bot.db'}")
    with engine.connect() as conn:
        from store.models import SyncState

        cursors = conn.scalars(select(SyncState.cursor).where(SyncState.source == "github")).all()
    engine.dispose()
    assert cursors and all(c is None or c >= "2026-11-10" for c in cursors)
