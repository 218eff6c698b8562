"""What the bot needs from the outside world, passed in once (no globals, no import-time I/O).

The CLI (bot/cli/, via bot/runtime/wiring.py) builds one `BotDeps` from the config and hands
it to `build_app`, `build_asgi`, `post_digest` and `start_scheduler`. Tests build one with a
small store and the local fake Slack.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import AppConfig, TeamConfig
from bot.core.ports import AnalyticsPort, default_analytics
from bot.slack.client import make_web_client

if TYPE_CHECKING:
    from analytics.context import OrgContext
    from ingest.units import Unit

__all__ = ["AnalyticsPort", "BotDeps", "IngestJob", "default_analytics"]


@dataclass(frozen=True)
class IngestJob:
    """One configured source's incremental sync, run by the scheduler on an interval.

    `units` and `run_unit` cut it into partition groups that replicas sharing PostgreSQL
    claim one by one (bot.runtime.claims); without them the whole sync is one job."""

    name: str
    run: Callable[[], Any]
    every: timedelta
    units: Callable[[], Sequence[Unit]] | None = None
    run_unit: Callable[[Unit, sessionmaker[Session]], Any] | None = None


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
    analytics: AnalyticsPort
    """The analytics engine, seen through the bot's one typed port (bot/core/ports.py)."""
    org: OrgContext
    """The org's analytics input, built from the config (bot/runtime/wiring.py)."""
    bot_token: str
    signing_secret: str
    api_url: str | None = None
    """SLACK_API_URL: the Web API base (local fakes, proxies); Slack's own when None."""
    clock: Callable[[], datetime] = _utcnow
    ingest_jobs: tuple[IngestJob, ...] = ()
    instance_id: str = field(default_factory=_instance_id)
    client_factory: Callable[[], WebClient] | None = None
    """Builds the WebClient; by default one with retry handlers pointed at `api_url`."""
    rewrite_key: str | None = None
    """The API key of the quarterly report's optional rewrite endpoint (resolved by the
    shell with the other secrets; None when the rewrite is off or needs none)."""

    def web_client(self, *, once: bool = False) -> WebClient:
        """A WebClient for the bot token, with 429 / server error / connection retries
        (only 429 with `once`: for posts that must not go out twice)."""
        if self.client_factory is not None:
            return self.client_factory()
        return make_web_client(self.bot_token, self.api_url, once=once)

    def now(self) -> datetime:
        return self.clock()

    def team(self, slug: str) -> TeamConfig | None:
        """The configured team `slug`, None when there is none (answers use bot.core.teams)."""
        return self.config.team(slug)

    def team_for_channel(self, channel_id: str | None) -> TeamConfig | None:
        """The team whose channel this is (the default team of a command typed there)."""
        return next((t for t in self.config.teams if t.slack_channel == channel_id), None)

    def teams_led_by(self, user_id: str) -> list[TeamConfig]:
        return [t for t in self.config.teams if user_id in t.leads]
