"""A replica that claims units of the GitHub sync and SIGKILLs itself mid-unit (takeover test).

    python -m tests.runtime.replica_child DATABASE_URL BASE_URL KILL_AFTER

Prints the unit it holds before the kill lands (after KILL_AFTER HTTP answers).
"""

from __future__ import annotations

import sys

from bot.runtime.claims import Replica, run_claimed
from ingest.http import utc_now
from ingest.units import run_unit, units_of
from store.db import make_engine, session_factory
from tests.ingest.crash_child import KillingTransport
from tests.ingest.helpers import github_source


def main() -> None:
    url, base_url, kill_after = sys.argv[1], sys.argv[2], int(sys.argv[3])
    source = github_source(base_url)
    units = {u.name: u for u in units_of(source, max_size=1)}
    replica = Replica(session_factory(make_engine(url)), "child:1", utc_now)

    def work(name: str, sessions: object) -> object:
        print(name, flush=True)
        transport = KillingTransport(kill_after)
        return run_unit(source, units[name], sessions, transport=transport)  # type: ignore[arg-type]

    run_claimed(replica, sorted(units), work, every=None)
    sys.exit(3)  # the kill point was never reached


if __name__ == "__main__":
    main()
