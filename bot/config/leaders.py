"""The config sections for engineering leaders: who they are and where they read (their time
zone, groups of teams), the quarterly report's optional rewrite, how long raw data is kept,
the organisation's own words on how metrics are used, and team goals."""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import Field, field_validator

from bot.config.base import Strict, check_tz, parse_duration
from bot.config.secrets import SecretRef, secret_field
from bot.config.urls import url_field

SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")


def slack_user(value: str) -> str:
    """A Slack member id (U0123ABCD), or a clear error."""
    if not SLACK_USER.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a Slack user id: use the member id from the profile "
            "(it starts with U, e.g. U0123ABCD)"
        )
    return value


class LeadershipConfig(Strict):
    """Engineering leaders: their Slack ids (App Home shows them the org view), their time
    zone (their weekly digest and the quarterly report go out at their local time) and named
    groups of teams (`metrics-bot report --group NAME`; the report has a row per group)."""

    tz: str = "UTC"
    people: tuple[str, ...] = ()
    groups: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str) -> str:
        return check_tz(value)

    @field_validator("people")
    @classmethod
    def _people(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(slack_user(v) for v in value)

    @field_validator("groups")
    @classmethod
    def _groups(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for name, teams in value.items():
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", name):
                raise ValueError(f"group {name!r}: use lowercase letters, digits and dashes")
            if not teams:
                raise ValueError(f"group {name!r} names no team")
        return value


class RetentionConfig(Strict):
    """How long raw rows (pull requests, reviews, commits, deployments, CI runs, incidents,
    pages, work items) are kept: older ones are deleted daily. `none` keeps everything."""

    raw_data: str = "none"

    @field_validator("raw_data")
    @classmethod
    def _age(cls, value: str) -> str:
        age = parse_duration(value)
        if age is not None and age < timedelta(days=28):
            raise ValueError(
                f"raw_data {value!r} is under 4 weeks: the baselines need 12 weeks of history "
                "(use e.g. 730d, or none to keep everything)"
            )
        return value

    @property
    def raw_data_age(self) -> timedelta | None:
        """How old a raw row may get; None: kept until erased on request."""
        return parse_duration(self.raw_data)


class RewriteConfig(Strict):
    """An optional rewrite of the quarterly report's text by an OpenAI-compatible endpoint.
    Off by default; only team-level figures are sent; the template text stands on any
    failure or timeout."""

    enabled: bool = False
    url: str = "https://api.openai.com/v1"
    model: str = "gpt-4o-mini"
    api_key: SecretRef | None = None
    timeout: str = "30s"

    no_literal_secret = field_validator("api_key", mode="before")(secret_field)
    plain_url = field_validator("url")(url_field)

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: str) -> str:
        text = value.strip().lower()
        if text.endswith("s") and text[:-1].isdigit() and 1 <= int(text[:-1]) <= 300:
            return value
        parse_duration(value)
        return value

    @property
    def timeout_seconds(self) -> float:
        text = self.timeout.strip().lower()
        if text.endswith("s") and text[:-1].isdigit():
            return float(text[:-1])
        age = parse_duration(self.timeout)
        return age.total_seconds() if age is not None else 30.0


class ReportConfig(Strict):
    """The quarterly report."""

    rewrite: RewriteConfig = RewriteConfig()
