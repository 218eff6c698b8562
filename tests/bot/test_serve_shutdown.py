"""`metrics-bot serve` stopped with SIGTERM releases the scheduler lease, so a restart leads
and runs its first sync at once instead of waiting for the lease to lapse."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from sandbox.sim import simulate
from sandbox.stack import Sandbox
from store.models import LeaderLock

END = datetime(2026, 11, 23, tzinfo=UTC)


class Serve:
    """One `metrics-bot serve` process, its output collected line by line."""

    def __init__(self, world: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        port = str(self.port)
        env = {**os.environ, "METRICS_BOT_CONFIG": str(world / "metrics-bot.yaml")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", port],
            env=env,
            cwd=world,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())

    def wait_until(self, what: str, predicate: object, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():  # type: ignore[operator]
            assert self.proc.poll() is None, "\n".join(self.lines)
            assert time.monotonic() < deadline, f"{what}:\n" + "\n".join(self.lines)
            time.sleep(0.2)

    def healthy(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.port}/healthz"
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._reader.join(timeout=5)
            if self.proc.stdout is not None:
                self.proc.stdout.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Path]:
    simulate(tmp_path, seed=5, teams=1, weeks=1, end=END)
    with Sandbox(tmp_path) as sandbox:
        sandbox.write_config()
        yield tmp_path


def _lease(world: Path) -> LeaderLock | None:
    engine = create_engine(f"sqlite:///{world / 'metrics-bot.db'}")
    try:
        with engine.connect() as conn:
            row = conn.execute(select(LeaderLock)).one_or_none()
            return None if row is None else LeaderLock(**row._asdict())
    finally:
        engine.dispose()


def test_sigterm_releases_the_lease_and_a_restart_syncs_at_once(world: Path) -> None:
    first = Serve(world)
    try:
        first.wait_until("first serve healthy", first.healthy)
        first.wait_until("first serve leads", lambda: (_lease(world) or LeaderLock()).holder)
        code = first.stop()
    finally:
        if first.proc.poll() is None:
            first.stop()
    assert code == 0, "\n".join(first.lines)  # a clean exit, not killed by the signal
    lease = _lease(world)
    assert lease is not None and lease.holder == ""  # released, not left to lapse
    assert lease.expires_at.replace(tzinfo=UTC) <= datetime.now(UTC)

    second = Serve(world)
    try:
        second.wait_until(  # its own log line, whatever level the libraries log at
            "the restarted serve's first sync",
            lambda: any("sync:github" in line for line in second.lines),
        )
        assert not any("another replica leads" in line for line in second.lines), second.lines
    finally:
        second.stop()
