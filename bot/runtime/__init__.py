"""The application shell's runtime, in one place: the config and where it came from
(`state`), the database behind it (`database`), the config turned into the engines' typed
inputs (`wiring`) and the bot's dependencies built from it (`shell`).

Built once per command from the CLI options and the environment, then passed down; nothing
here happens at import time.
"""

from bot.config import ConfigError, Problem
from bot.runtime.database import DatabaseUnavailable
from bot.runtime.state import MissingSecret, Runtime, config_path_from

__all__ = [
    "ConfigError",
    "DatabaseUnavailable",
    "MissingSecret",
    "Problem",
    "Runtime",
    "config_path_from",
]
