"""Secrets in the config: never literal, a reference (`{env: NAME}` or `{file: PATH}`)
resolved only when used, so a value never sits in a parsed object, a log or an error."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import model_validator

from bot.config.base import Strict


class SecretRef(Strict):
    """Where a secret lives. Resolved at use time; its value is never stored or logged."""

    env: str | None = None
    file: Path | None = None

    @model_validator(mode="after")
    def _one_place(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of `env: VAR_NAME` or `file: /path/to/secret`")
        return self

    def resolve(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The secret's value, or None when the variable or file is missing."""
        if self.env is not None:
            value = (environ if environ is not None else os.environ).get(self.env)
            return value.strip() if value else None
        assert self.file is not None
        try:
            return self.file.read_text().strip() or None
        except OSError:
            return None

    def describe(self) -> str:
        """Where to put the secret, for error messages (never the value)."""
        return f"environment variable {self.env}" if self.env else f"file {self.file}"


def secret_field(value: Any) -> Any:
    if isinstance(value, str):
        raise ValueError(
            "secrets are never literal in the config: write `{env: VAR_NAME}` or "
            "`{file: /run/secrets/name}` and put the value there"
        )
    return value
