"""Run a GitHub sync that SIGKILLs its own process after N HTTP answers (crash-safety test).

    python -m tests.ingest.crash_child BASE_URL DB_PATH KILL_AFTER

The kill lands after an answer arrived and before its page was committed (or between a
deployment's status requests), as an OOM kill or a power cut would.
"""

from __future__ import annotations

import os
import signal
import sys

import httpx

from ingest.runner import run_sync
from store.db import make_engine, session_factory
from tests.ingest.helpers import github_source


class KillingTransport(httpx.HTTPTransport):
    def __init__(self, kill_after: int) -> None:
        super().__init__()
        self.kill_after = kill_after
        self.seen = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.seen += 1
        if self.seen >= self.kill_after:
            response.read()
            os.kill(os.getpid(), signal.SIGKILL)
        return response


def main() -> None:
    base_url, db_path, kill_after = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sessions = session_factory(make_engine(f"sqlite:///{db_path}"))
    run_sync(github_source(base_url), sessions, transport=KillingTransport(kill_after))
    sys.exit(3)  # the kill point was never reached


if __name__ == "__main__":
    main()
