"""`serve` as a service, and every command when the database is down, over a real world.

One small simulated world is served by the local fakes and ingested with `metrics-bot
ingest`; the tests then read /metrics against that store, run the console script's `serve`
in a subprocess (its log, /readyz, /metrics after its own scheduled sync), and run the
commands with DATABASE_URL pointing at a closed port.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, func, select

from bot.cli import main
from bot.cli.serve import build_service
from bot.health import Readiness, check_slack_token
from bot.runtime import Runtime
from bot.runtime.shell import bot_deps
from bot.telemetry import Telemetry
from sandbox.fakes.server import LocalServer
from sandbox.sim import simulate
from sandbox.stack import Sandbox
from store.db import transaction
from store.models import DigestSent, SyncRun
from tests.webhooks.helpers import send_whole_then_read

END = datetime(2026, 11, 23, tzinfo=UTC)
DOWN_URL = "postgresql://user:secret@127.0.0.1:1/x"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """A 3-team, 4-week world ingested by `metrics-bot ingest`; yields (dir, rows it wrote)."""
    directory = tmp_path_factory.mktemp("world")
    simulate(directory, seed=5, teams=3, weeks=4, end=END)
    with Sandbox(directory) as sandbox:
        config = sandbox.write_config()
        result = CliRunner().invoke(main, ["--config", str(config), "ingest"])
        assert result.exit_code == 0, result.output
        match = re.search(r"github: ok, \d+ items, (\d+) rows", result.output)
        assert match, result.output
        posted = CliRunner().invoke(
            main, ["--config", str(config), "digest", "team-a", "--post", "--week", "2026-W47"]
        )
        assert posted.exit_code == 0, posted.output
        yield directory, int(match.group(1))


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_metrics_after_a_sync_read_the_store(world: tuple[Path, int]) -> None:
    directory, rows = world
    runtime = Runtime.load(directory / "metrics-bot.yaml")
    engine = create_engine(f"sqlite:///{directory / 'metrics-bot.db'}")
    with engine.connect() as conn:
        github_runs = select(SyncRun).where(SyncRun.source == "github")
        finished = conn.scalar(
            github_runs.where(SyncRun.status == "ok").with_only_columns(
                func.max(SyncRun.finished_at)
            )
        )
        remaining = conn.scalar(
            github_runs.with_only_columns(SyncRun.rate_limit_remaining)
            .order_by(SyncRun.id.desc())
            .limit(1)
        )
    engine.dispose()
    assert finished is not None and remaining is not None
    now = finished + timedelta(minutes=7)
    with transaction(runtime.sessions) as s:  # what a Slack outage leaves in the ledger
        for team, status in (("team-b", "failed"), ("team-c", "unsure")):
            s.add(
                DigestSent(
                    team_slug=team,
                    week="2026-W47",
                    audience="team",
                    channel="C0",
                    status=status,
                    claimed_at=now,
                )
            )
    telemetry = Telemetry(runtime.sessions, clock=now.timestamp)
    with Sandbox(directory) as sandbox:
        sandbox.write_config()
        deps = bot_deps(runtime)
        readiness = Readiness(runtime.engine, slack=check_slack_token(deps.web_client()))
        with LocalServer(build_service(deps, readiness=readiness, telemetry=telemetry)) as url:
            scrape = httpx.get(url + "/metrics")
            ready = httpx.get(url + "/readyz")
    runtime.engine.dispose()
    assert ready.status_code == 200, ready.text
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    found = samples(scrape.text)
    github = (("source", "github"),)
    assert found[("metrics_bot_store_up", ())] == 1
    assert found[("metrics_bot_sync_rows_ingested_total", github)] == rows > 0
    assert found[("metrics_bot_sync_last_success_timestamp_seconds", github)] == (
        finished.replace(tzinfo=UTC).timestamp()
    )
    assert found[("metrics_bot_sync_lag_seconds", github)] == 420
    assert found[("metrics_bot_sync_rate_limit_remaining", github)] == remaining
    assert found[("metrics_bot_sync_runs_total", (("source", "github"), ("status", "ok")))] == 1
    for status, count in (("posted", 1), ("failed", 1), ("unsure", 1)):
        assert found[("metrics_bot_digests", (("audience", "team"), ("status", status)))] == count
    assert all(name.startswith("metrics_bot_") for name, _ in found)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(predicate: object, proc: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + 90
    while not predicate():  # type: ignore[operator]
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"{what}:\n{log.read_text()}"
        time.sleep(0.2)


def _start_serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`metrics-bot serve` on a free port, retried when another process took the port."""
    for _attempt in range(3):
        port = _free_port()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot.cli",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return proc, port
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        _stop(proc)
        if "address already in use" not in log.read_text():
            break
    raise AssertionError(f"serve did not start:\n{log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def _with_password(url: str) -> str:
    """The test database URL with a password in it (trust auth ignores it; logs must not)."""
    return url.replace("://postgres@", "://postgres:s3cret-pw@", 1)


@pytest.fixture
def serve_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """PostgreSQL when TEST_DATABASE_URL is set (a schema of its own), else SQLite: serve
    runs once, on the database a deployment would use when there is one."""
    if not os.environ.get("TEST_DATABASE_URL"):
        yield f"sqlite:///{tmp_path / 'serve.db'}"
        return
    yield _pg_schema_url(request)


def _pg_schema_url(request: pytest.FixtureRequest) -> str:
    import uuid

    from sqlalchemy import text

    from store.db import normalise_url

    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    request.addfinalizer(drop)
    return f"{base}?options=-csearch_path%3D{schema}"


def test_serve_logs_a_few_lines_and_reports_its_own_sync(
    world: tuple[Path, int], serve_store: str, tmp_path: Path
) -> None:
    """The real console script: readable start lines, no library chatter, /readyz, /metrics."""
    directory, _rows = world
    url = _with_password(serve_store)
    log = tmp_path / "serve.log"
    env = {**os.environ, "METRICS_BOT_CONFIG": str(directory / "metrics-bot.yaml")}
    env["DATABASE_URL"] = url
    with Sandbox(directory) as sandbox:
        sandbox.write_config()
        proc, port = _start_serve(env, log)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(lambda: "sync:github" in log.read_text(), proc, log, "no sync")
            ready = httpx.get(base + "/readyz", timeout=10)
            scrape = httpx.get(base + "/metrics", timeout=10)
            # served with bot.http_protocol: a whole oversized body is answered, not reset
            head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
            too_large = send_whole_then_read(base, head, 3 * 1024 * 1024)
        finally:
            _stop(proc)
    text = log.read_text()
    lines = text.splitlines()
    assert ready.status_code == 200, ready.text
    assert too_large.startswith(b"HTTP/1.1 413")
    found = samples(scrape.text)
    assert found[("metrics_bot_sync_runs_total", (("source", "github"), ("status", "ok")))] == 1
    assert found[("metrics_bot_sync_rows_ingested_total", (("source", "github"),))] > 0
    assert f"starting with config {directory / 'metrics-bot.yaml'}" in text
    masked = url.replace(":s3cret-pw@", ":***@")
    assert f"database {masked.split('?')[0]}" in text
    assert "s3cret-pw" not in text
    assert "3 team(s): team-a, team-b, team-c" in text
    assert re.search(r"source github: sync every \w+, next 20\d\d-\d\d-\d\d \d\d:\d\d UTC", text)
    assert "slack: token accepted for @" in text
    assert f"serving on http://127.0.0.1:{port}" in text
    chatter = [
        line
        for line in lines
        if re.search(r" INFO (apscheduler|uvicorn|httpx|httpcore|slack_bolt|alembic)", line)
    ]
    assert chatter == []
    start = [line for line in lines if " metrics_bot.serve: " in line]
    assert len(start) == 6 + 5, start  # one line per source: github, gitlab, jira, linear, pd
    assert "Traceback" not in text


def _one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ("query", "review-time", "team-a"),
        ("serve", "--host", "127.0.0.1", "--port", "0"),
    ],
    ids=["query", "serve"],
)
def test_console_script_with_the_database_down(world: tuple[Path, int], args: tuple[str, ...]):
    directory, _rows = world
    env = {**os.environ, "DATABASE_URL": DOWN_URL}
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(directory / "metrics-bot.yaml"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2, run.stderr
    line = _one_line_error(run.stderr)
    assert "127.0.0.1:1" in line and "user:***@" in line
    assert "secret" not in run.stderr + run.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("insights",),
        ("ingest",),
        ("digest", "team-a"),
        ("annotate", "team-a", "--from", "2026-11-09", "--to", "2026-11-10", "--note", "x"),
        ("experiment", "list"),
        ("db", "upgrade"),
        ("model", "report"),
    ],
    ids=lambda a: a[0] if a[0] not in ("db", "experiment") else "-".join(a[:2]),
)
def test_every_command_with_the_database_down(
    world: tuple[Path, int], args: tuple[str, ...]
) -> None:
    directory, _rows = world
    result = CliRunner().invoke(
        main,
        ["--config", str(directory / "metrics-bot.yaml"), *args],
        env={"DATABASE_URL": DOWN_URL},
    )
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    line = _one_line_error(result.stderr)
    assert line.startswith("error: cannot use the database at postgresql://user:***@127.0.0.1:1/x")
    assert "secret" not in result.output


def test_a_scheduled_sync_refused_by_its_api_counts_as_a_job_failure(
    world: tuple[Path, int], tmp_path: Path
) -> None:
    """serve's sync job: run_sync reports a refused token instead of raising, so the job
    counts it (`sync:github`), and the store's ledger shows the failed run."""
    import shutil

    from bot.cli.serve import ingest_jobs

    directory, _rows = world
    with Sandbox(directory) as sandbox:
        shutil.copy(sandbox.write_config(), tmp_path / "metrics-bot.yaml")
        shutil.copytree(directory / "secrets", tmp_path / "secrets")
        (tmp_path / "secrets" / "github-token").write_text("ghp_revoked\n")
        environ = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
        runtime = Runtime.load(tmp_path / "metrics-bot.yaml", environ)
        (github,) = [job for job in ingest_jobs(runtime) if job.name == "github"]
        telemetry = Telemetry(runtime.sessions)
        with telemetry.active():
            summary = github.run()
    found = samples(telemetry.exposition().decode())
    runtime.engine.dispose()
    assert summary.startswith("github: failed")
    assert found[("metrics_bot_scheduler_job_failures_total", (("job", "sync:github"),))] == 1
    assert found[("metrics_bot_sync_runs_total", (("source", "github"), ("status", "failed")))] == 1
    assert ("metrics_bot_sync_last_success_timestamp_seconds", (("source", "github"),)) not in found


@pytest.mark.parametrize("where", ["under-a-file", "is-a-folder"])
def test_a_sqlite_file_that_cannot_be_opened_is_one_line(
    world: tuple[Path, int], tmp_path: Path, where: str
) -> None:
    (tmp_path / "afile").write_text("not a folder")
    (tmp_path / "afolder").mkdir()
    path = tmp_path / "afile" / "store.db" if where == "under-a-file" else tmp_path / "afolder"
    result = CliRunner().invoke(
        main,
        ["--config", str(world[0] / "metrics-bot.yaml"), "db", "upgrade"],
        env={"DATABASE_URL": f"sqlite:///{path}"},
    )
    assert result.exit_code == 2, result.output
    line = _one_line_error(result.stderr)
    assert line.startswith(f"error: cannot use the database at sqlite:///{path}: ")
