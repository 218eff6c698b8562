"""/healthz, /readyz and /metrics of the served app, over real HTTP on uvicorn.

The app is the one `serve` runs (`build_service`); the store is real SQLite or PostgreSQL,
Slack's side is the local fake (auth.test) and the signing helper (slash commands in).
"""

from __future__ import annotations

import os
import time
import uuid

import httpx
import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from bot.cli.serve import build_service
from bot.health import Readiness, check_slack_token
from bot.slack.deps import BotDeps
from bot.telemetry import Telemetry, record_job_failure
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import SlackRequestSender
from store.db import make_engine, normalise_url, session_factory
from tests.bot.helpers import SECRET, TOKEN, make_deps

DOWN_URL = "postgresql://user:secret@127.0.0.1:1/x"


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text answer, keyed by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def serve(deps: BotDeps, readiness: Readiness, telemetry: Telemetry) -> LocalServer:
    return LocalServer(build_service(deps, readiness=readiness, telemetry=telemetry))


def ready(deps: BotDeps, slack: SlackFake) -> Readiness:
    return Readiness(deps.engine, slack=check_slack_token(deps.web_client()))


def test_ready_on_a_migrated_store(database_url: str, slack: SlackFake) -> None:
    deps = make_deps(database_url, api_url=slack.base_url)
    with serve(deps, ready(deps, slack), Telemetry(deps.sessions)) as url:
        alive = httpx.get(url + "/healthz")
        answer = httpx.get(url + "/readyz")
    deps.engine.dispose()
    assert alive.status_code == 200
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["ready"] is True and body["reason"] is None
    assert {name: c["ok"] for name, c in body["checks"].items()} == {
        "database": True,
        "migrations": True,
        "slack": True,
    }
    assert "@" in body["checks"]["slack"]["detail"]  # auth.test's bot user, from the fake


def test_a_database_that_is_down_fails_readyz_not_healthz(db_url: str, slack: SlackFake) -> None:
    """The reported defect: /healthz said 200 with the database down, nothing said 503."""
    deps = make_deps(db_url, api_url=slack.base_url, migrate=False)
    down = make_engine(DOWN_URL)
    readiness = Readiness(down, slack=check_slack_token(deps.web_client()))
    with serve(deps, readiness, Telemetry(session_factory(down))) as url:
        alive = httpx.get(url + "/healthz")
        answer = httpx.get(url + "/readyz")
        scrape = httpx.get(url + "/metrics")
    down.dispose()
    deps.engine.dispose()
    assert alive.status_code == 200
    assert answer.status_code == 503
    body = answer.json()
    assert body["ready"] is False
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["slack"]["ok"] is True
    assert "database unreachable" in body["reason"]
    assert "secret" not in answer.text and "127.0.0.1" not in answer.text
    assert scrape.status_code == 200  # the scrape still answers, and says the store is down
    assert samples(scrape.text)[("metrics_bot_store_up", ())] == 0


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL")
@pytest.mark.postgres
def test_a_dropped_schema_fails_readyz_on_postgres(slack: SlackFake) -> None:
    """Reachable server, schema gone (restored from an old dump, dropped by hand): 503."""
    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    deps = make_deps(f"{base}?options=-csearch_path%3D{schema}", api_url=slack.base_url)
    try:
        with serve(deps, ready(deps, slack), Telemetry(deps.sessions)) as url:
            before = httpx.get(url + "/readyz")
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            after = httpx.get(url + "/readyz")
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        deps.engine.dispose()
        admin.dispose()
    assert before.status_code == 200, before.text
    assert after.status_code == 503
    checks = after.json()["checks"]
    assert checks["database"]["ok"] is True and checks["migrations"]["ok"] is False
    assert "empty schema" in checks["migrations"]["detail"]


def test_an_unmigrated_sqlite_store_is_not_ready(tmp_path: object, slack: SlackFake) -> None:
    deps = make_deps(f"sqlite:///{tmp_path}/empty.db", api_url=slack.base_url, migrate=False)
    with serve(deps, ready(deps, slack), Telemetry(deps.sessions)) as url:
        answer = httpx.get(url + "/readyz")
    deps.engine.dispose()
    assert answer.status_code == 503
    assert "run `db upgrade`" in answer.json()["checks"]["migrations"]["detail"]


def test_a_refused_slack_token_fails_readyz(db_url: str) -> None:
    with SlackFake(tokens=["xoxb-some-other-token"]) as other:
        deps = make_deps(db_url, api_url=other.base_url, migrate=False)
        readiness = ready(deps, other)
        assert len(other.calls_to("auth.test")) == 1
    with serve(deps, readiness, Telemetry(deps.sessions)) as url:
        answer = httpx.get(url + "/readyz")
    deps.engine.dispose()
    assert answer.status_code == 503
    assert answer.json()["checks"]["slack"] == {
        "ok": False,
        "detail": "Slack refused the bot token (invalid_auth)",
    }
    assert TOKEN not in answer.text


def test_slash_command_acks_are_timed_and_nothing_else(deps: BotDeps, slack: SlackFake) -> None:
    telemetry = Telemetry(deps.sessions)
    sender = SlackRequestSender(SECRET)
    with serve(deps, ready(deps, slack), telemetry) as url:
        for _ in range(3):
            ok = sender.slash_command(url + "/slack/events", text="help", channel_id="C0TEAMA001")
            assert ok.status_code == 200
        forged = SlackRequestSender("wrong").slash_command(url + "/slack/events", text="help")
        assert forged.status_code == 401
        event = sender.event(url + "/slack/events", {"type": "app_home_opened", "user": "U1"})
        assert event.status_code == 200
        scrape = httpx.get(url + "/metrics")
    found = samples(scrape.text)
    count = "metrics_bot_slash_command_ack_seconds_count"
    assert found[(count, (("code", "200"),))] == 3
    assert found[(count, (("code", "401"),))] == 1  # the event callback is not a command
    assert found[("metrics_bot_slash_command_ack_seconds_sum", (("code", "200"),))] > 0


def test_scheduler_job_failures_are_counted(deps: BotDeps) -> None:
    """A job that raises (EVENT_JOB_ERROR) and a wrapper that reports its own failure."""
    telemetry = Telemetry(deps.sessions)
    scheduler = BackgroundScheduler(timezone="UTC")
    telemetry.watch(scheduler)

    def broken() -> None:
        raise RuntimeError("the leader lock's connection is gone")

    scheduler.add_job(broken, id="leader-renew")
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        key = ("metrics_bot_scheduler_job_failures_total", (("job", "leader-renew"),))
        while samples(telemetry.exposition().decode()).get(key) != 1:
            assert time.monotonic() < deadline, "the job error was not counted"
            time.sleep(0.05)
    finally:
        scheduler.shutdown()
    record_job_failure("digest:team-b")  # no active telemetry: counted nowhere
    with telemetry.active():
        record_job_failure("digest:team-b")
    found = samples(telemetry.exposition().decode())
    assert found[("metrics_bot_scheduler_job_failures_total", (("job", "digest:team-b"),))] == 1


def test_each_app_has_its_own_registry(deps: BotDeps) -> None:
    """Two apps in one process (tests, a reload) do not collide on a global registry."""
    first, second = Telemetry(deps.sessions), Telemetry(deps.sessions)
    with first.active():
        record_job_failure("sync:github")
    assert "sync:github" in first.exposition().decode()
    assert "sync:github" not in second.exposition().decode()


def test_a_database_that_hangs_is_not_ready_and_probes_do_not_pile_up(
    db_url: str, slack: SlackFake
) -> None:
    """A server that accepts the connection and never answers (a hung PostgreSQL)."""
    import socket
    import threading

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever answers
    port = silent.getsockname()[1]
    hung = make_engine(f"postgresql://user:secret@127.0.0.1:{port}/x")
    deps = make_deps(db_url, api_url=slack.base_url, migrate=False)
    readiness = Readiness(hung, slack=check_slack_token(deps.web_client()), timeout=0.5)
    try:
        with serve(deps, readiness, Telemetry(deps.sessions)) as url:
            answers = [httpx.get(url + "/readyz", timeout=5) for _ in range(3)]
            checking = [t for t in threading.enumerate() if t.name == "readyz-database"]
            alive = httpx.get(url + "/healthz", timeout=5)
    finally:
        silent.close()  # the hung connection now fails and its thread ends
        hung.dispose()
        deps.engine.dispose()
    assert [a.status_code for a in answers] == [503, 503, 503]
    assert answers[-1].json()["checks"]["database"]["detail"] == (
        "database did not answer within 0.5 s"
    )
    assert len(checking) == 1  # three probes, one check in flight
    assert alive.status_code == 200
