"""What `serve` writes to its log: our lines at INFO, the libraries' only when they warn.

A person reading the log of a fresh start sees where the config and the database are, which
teams and sources it serves and when each runs, whether Slack took the token, and the URL;
apscheduler's "Added job", uvicorn's access lines and every HTTP call stay out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

from bot.config import AppConfig, DigestSchedule

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET_LOGGERS = (
    "apscheduler",
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
    "httpx",
    "httpcore",
    "urllib3",
    "slack_bolt",
    "slack_sdk",
    "metrics_bot.slack.bolt",
    "alembic",
    "sqlalchemy",
)
"""Loggers held at WARNING (metrics_bot.slack.bolt is the logger Bolt is given to use)."""


def configure_logging(level: int = logging.INFO) -> None:
    """Our loggers at `level` on stderr, library chatter at WARNING."""
    logging.basicConfig(level=level, format=LOG_FORMAT)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))


def package_version() -> str:
    try:
        return version("metrics-bot")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _schedule(name: str, schedule: DigestSchedule, where: str) -> str:
    if not schedule.enabled:
        return f"{name} off"
    return f"{name} {schedule.day} {schedule.time} {where}"


def _at(when: datetime | None) -> str:
    return f"next {when:%Y-%m-%d %H:%M %Z}" if when is not None else "paused"


def startup_lines(
    config: AppConfig,
    *,
    config_path: str,
    database: str,
    revision: str | None,
    next_runs: Mapping[str, datetime | None],
) -> list[str]:
    """The lines `serve` logs once at start; `database` is already masked."""
    from bot.config import parse_duration

    lines = [
        f"metrics-bot {package_version()} starting with config {config_path}",
        f"database {database} at schema revision {revision or 'none'}",
        f"{len(config.teams)} team(s): " + ", ".join(t.slug for t in config.teams),
    ]
    sources = [(name, section) for name, section in config.sources if section is not None]
    if not sources:
        lines.append("no sources configured: nothing is synced on a schedule")
    for name, section in sources:
        every = section.sync_every if parse_duration(section.sync_every) else "30m"
        lines.append(f"source {name}: sync every {every}, {_at(next_runs.get(f'sync:{name}'))}")
    schedules = config.schedules
    leaders = config.slack.leadership_channel
    tz = config.leadership.tz
    lines.append(
        "digests: "
        + "; ".join(
            (
                _schedule("team", schedules.team_digest, "in each team's time zone"),
                _schedule("leads (every other week)", schedules.leads_digest, "team time"),
                _schedule("leaders", schedules.leaders_digest, f"{tz} to {leaders}")
                if leaders
                else "leaders off (no leadership_channel)",
                _schedule("quarterly report", schedules.quarterly_report, f"first week, {tz}")
                if leaders
                else "quarterly report off",
            )
        )
    )
    return lines
