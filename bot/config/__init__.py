"""The org configuration (`metrics-bot.yaml`): parsed once, validated, handed down as typed objects.

Every problem is reported at once with the file, line, field and a hint, because a config
that fails one error at a time costs an admin an afternoon. Secrets are never literal in the
YAML: a secret field holds `{env: NAME}` or `{file: PATH}` and is resolved only when used.

Modules: `base` (shared model base, durations, time zones), `secrets`, `urls`, `models` (one
per YAML section), `people` (the bot overrides), `problems` (Problem, ConfigError), `locate`
(errors to lines and hints), `loading` (file to AppConfig, database URL).
"""

from analytics.context import MIN_GROUP_SIZE
from bot.config.base import DEFAULT_CONFIG, WEEKDAYS, parse_duration
from bot.config.loading import (
    MAX_CONFIG_BYTES,
    MAX_CONFIG_NODES,
    URL_VARIABLES,
    database_url,
    environment_problems,
    load_config,
    parse_config,
)
from bot.config.locate import closest_field
from bot.config.models import (
    ApiSourceConfig,
    AppConfig,
    DigestSchedule,
    GitHubConfig,
    Identity,
    RepoConfig,
    Schedules,
    SlackConfig,
    SourcesConfig,
    TeamConfig,
    Thresholds,
)
from bot.config.people import BOT_SOURCES, PeopleConfig
from bot.config.problems import ConfigError, Problem
from bot.config.secrets import SecretRef
from bot.config.urls import check_url

__all__ = [
    "BOT_SOURCES",
    "DEFAULT_CONFIG",
    "MAX_CONFIG_BYTES",
    "MAX_CONFIG_NODES",
    "MIN_GROUP_SIZE",
    "URL_VARIABLES",
    "WEEKDAYS",
    "ApiSourceConfig",
    "AppConfig",
    "ConfigError",
    "DigestSchedule",
    "GitHubConfig",
    "Identity",
    "PeopleConfig",
    "Problem",
    "RepoConfig",
    "Schedules",
    "SecretRef",
    "SlackConfig",
    "SourcesConfig",
    "TeamConfig",
    "Thresholds",
    "check_url",
    "closest_field",
    "database_url",
    "environment_problems",
    "load_config",
    "parse_config",
    "parse_duration",
]
