"""What the write paths (experiments, annotations, the pulse) need: the answer core's inputs,
the store's sessions and the clock. `BotDeps` has all of it; the CLI builds a ManageContext."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import AppConfig
from bot.core.ports import AnalyticsPort
from bot.core.views import AnswerDeps

if TYPE_CHECKING:
    from analytics.context import OrgContext


class ManageDeps(AnswerDeps, Protocol):
    """An answer's inputs, the store's sessions and now."""

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    def now(self) -> datetime: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ManageContext:
    """ManageDeps without Slack (the CLI's experiment and annotation commands)."""

    config: AppConfig
    engine: Engine
    analytics: AnalyticsPort
    org: OrgContext
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime] = _utcnow

    def now(self) -> datetime:
        return self.clock()
