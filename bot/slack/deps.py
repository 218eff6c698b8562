"""What the bot needs from the outside world, passed in once (no globals, no import-time I/O).

The CLI (bot/cli.py, via bot/wiring.py) builds one `BotDeps` from the config and hands it to
`build_app`, `build_asgi`, `post_digest` and `start_scheduler`. Tests build one with a small
store and the local fake Slack.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import AppConfig, TeamConfig
from bot.slack.client import make_web_client


@dataclass(frozen=True)
class Analytics:
    """The analytics entry points the bot calls (analytics.engine / analytics.insights).

    Injected rather than imported so the bot can run before every detector exists, and so
    tests can hand in a tiny engine whose numbers they can check by eye.
    """

    metrics: Mapping[str, Any]
    """metric id -> spec (aliases, unit, description); analytics.engine.METRICS."""
    compute_metric: Callable[..., Any]
    """(engine, org, team, metric, start, end, as_of, clock=...) -> MetricValue."""
    weekly_series: Callable[..., Any] | None = None
    """(engine, org, team=, metric=, weeks=, as_of=) -> [MetricValue], oldest first."""
    detect: Callable[..., list[Any]] | None = None
    """(engine, org, team, week, as_of) -> [Insight]; None until detectors land."""
    suggest: Callable[[str, Iterable[str]], list[str]] | None = None
    """(word, candidates) -> close matches; difflib when None."""


def default_analytics() -> Analytics:
    """The real analytics package, imported only when asked (it pulls in pandas)."""
    from analytics import engine as metrics_engine

    detect: Callable[..., list[Any]] | None
    try:
        from analytics.insights import detect as insight_detect

        detect = insight_detect
    except ImportError:
        detect = None
    from analytics.names import suggest as closest

    def suggest(word: str, candidates: Iterable[str]) -> list[str]:
        found = closest(word, candidates)
        return [found] if found else []

    return Analytics(
        metrics=metrics_engine.METRICS,
        compute_metric=metrics_engine.compute_metric,
        weekly_series=getattr(metrics_engine, "weekly_series", None),
        detect=detect,
        suggest=suggest,
    )


@dataclass(frozen=True)
class IngestJob:
    """One configured source's incremental sync, run by the scheduler on an interval."""

    name: str
    run: Callable[[], Any]
    every: timedelta


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _instance_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class BotDeps:
    """Everything the Slack app, digests and scheduler use; built once by the shell."""

    config: AppConfig
    engine: Engine
    sessions: sessionmaker[Session]
    analytics: Analytics
    org: Any
    """analytics.context.OrgContext built from the config (bot/wiring.py)."""
    bot_token: str
    signing_secret: str
    api_url: str | None = None
    """SLACK_API_URL: the Web API base (local fakes, proxies); Slack's own when None."""
    clock: Callable[[], datetime] = _utcnow
    ingest_jobs: tuple[IngestJob, ...] = ()
    instance_id: str = field(default_factory=_instance_id)
    client_factory: Callable[[], WebClient] | None = None
    """Builds the WebClient; by default one with retry handlers pointed at `api_url`."""

    def web_client(self, *, once: bool = False) -> WebClient:
        """A WebClient for the bot token, with 429 / server error / connection retries
        (only 429 with `once`: for posts that must not go out twice)."""
        if self.client_factory is not None:
            return self.client_factory()
        return make_web_client(self.bot_token, self.api_url, once=once)

    def now(self) -> datetime:
        return self.clock()

    def team(self, slug: str) -> TeamConfig | None:
        return self.config.team(slug)

    def team_for_channel(self, channel_id: str | None) -> TeamConfig | None:
        """The team whose channel this is (the default team of a command typed there)."""
        return next((t for t in self.config.teams if t.slack_channel == channel_id), None)

    def teams_led_by(self, user_id: str) -> list[TeamConfig]:
        return [t for t in self.config.teams if user_id in t.leads]
