"""The application shell's state: the config, where it came from, and the database behind it.

Built once per command from the CLI options and the environment, then passed down; nothing
here happens at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import AppConfig, database_url, load_config
from bot.runtime.database import open_engine
from store.db import session_factory


class MissingSecret(Exception):
    """A secret the command needs is not set; the message says where to put it."""


@dataclass
class Runtime:
    """What every command works with. Engines open lazily, on first use."""

    config: AppConfig
    config_path: Path
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    @classmethod
    def load(cls, path: Path, environ: Mapping[str, str] | None = None) -> Runtime:
        """Read and validate the config; ConfigError lists every problem."""
        env = dict(os.environ) if environ is None else dict(environ)
        return cls(config=load_config(path), config_path=path, environ=env)

    @property
    def base_dir(self) -> Path:
        """The config's folder: relative paths in the config are relative to it."""
        return self.config_path.resolve().parent

    @cached_property
    def database_url(self) -> str:
        return database_url(self.config, self.environ, self.base_dir)

    @cached_property
    def engine(self) -> Engine:
        """The engine, with the schema brought up to date (commands need it current).

        DatabaseUnavailable (one line, password masked) when it cannot be reached or opened.
        """
        return open_engine(self.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    def secret(self, name: str, ref: object, *, required: bool = True) -> str | None:
        """Resolve a SecretRef, relative file paths against the config's folder."""
        from bot.config import SecretRef

        assert isinstance(ref, SecretRef)
        if ref.file is not None and not ref.file.is_absolute():
            ref = SecretRef(file=self.base_dir / ref.file)
        value = ref.resolve(self.environ)
        if value is None and required:
            raise MissingSecret(f"{name} is not set: put it in the {ref.describe()}")
        return value

    @cached_property
    def pseudonym_secret(self) -> bytes:
        """The key that turns identities into pseudonyms (see README: rotating it)."""
        value = self.secret("the pseudonym key", self.config.pseudonym_key)
        assert value is not None
        return value.encode()


def config_path_from(option: str | None, environ: Mapping[str, str]) -> Path:
    """--config wins, then METRICS_BOT_CONFIG, then ./metrics-bot.yaml."""
    return Path(option or environ.get("METRICS_BOT_CONFIG") or "metrics-bot.yaml")
