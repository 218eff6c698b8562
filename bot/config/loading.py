"""Reading the config file: size and alias limits, YAML, validation, the database URL."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.config.base import DEFAULT_CONFIG
from bot.config.locate import line_index, problems_of
from bot.config.models import AppConfig
from bot.config.problems import ConfigError, Problem
from bot.config.secrets import SecretRef
from bot.config.urls import check_url

MAX_CONFIG_BYTES = 1_000_000
"""A config describes teams; a megabyte is hundreds of them. Larger is a mistake."""
MAX_CONFIG_NODES = 200_000
"""Values in the document once YAML anchors are expanded (refuses a "billion laughs")."""


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many nodes `node` stands for once aliases are expanded (each shared node once)."""
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = 1  # guards against a node that contains itself
    size = 1
    if isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(item, memo) for item in node.value)
    memo[id(node)] = min(size, MAX_CONFIG_NODES + 1)
    return memo[id(node)]


def _syntax_problem(file: str, line: int | None, message: str) -> ConfigError:
    return ConfigError([Problem(file, line, "(syntax)", message)])


def _read_yaml(text: str, file: str) -> tuple[yaml.Node | None, Any]:
    """The YAML tree and its data, or one ConfigError for anything a person could have typed."""
    if len(text) > MAX_CONFIG_BYTES:
        raise _syntax_problem(file, None, f"the file is over {MAX_CONFIG_BYTES:,} characters")
    try:
        root = yaml.compose(text)
        if root is not None and _expanded_size(root, {}) > MAX_CONFIG_NODES:
            raise _syntax_problem(
                file, None, "too many values once YAML anchors and aliases are expanded"
            )
        return root, yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", exc)
        raise _syntax_problem(file, line, f"not valid YAML: {problem}") from None
    except RecursionError:
        raise _syntax_problem(file, None, "values nested too deeply to be a config") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise _syntax_problem(file, None, f"a value cannot be read: {str(exc)[:120]}") from None


def parse_config(text: str, file: str = DEFAULT_CONFIG) -> AppConfig:
    """Validate config text; raise ConfigError listing every problem with its line."""
    root, data = _read_yaml(text, file)
    if not isinstance(data, dict):
        raise ConfigError([Problem(file, 1, "(top level)", "expected a mapping with `teams:`")])
    index: dict[tuple[Any, ...], int] = {}
    if root is not None:
        line_index(root, (), index)
    try:
        return AppConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems_of(exc, file, data, index)) from None


URL_VARIABLES = ("SLACK_API_URL", "GITHUB_API_URL")


def environment_problems(environ: Mapping[str, str]) -> list[Problem]:
    """URLs taken from the environment pass the same check as those in the file."""
    problems = []
    for name in URL_VARIABLES:
        value = environ.get(name)
        if value:
            try:
                check_url(value)
            except ValueError as exc:
                problems.append(Problem("(environment)", None, name, str(exc)))
    return problems


def load_config(path: Path) -> AppConfig:
    """Read and validate the config file at `path`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [
                Problem(
                    str(path),
                    None,
                    "(file)",
                    "not found: pass --config PATH, set METRICS_BOT_CONFIG, or run "
                    "`metrics-bot demo` to get a working example",
                )
            ]
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [
                Problem(
                    str(path),
                    None,
                    "(file)",
                    f"not UTF-8 text (byte {exc.start}): save it as UTF-8",
                )
            ]
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            [Problem(str(path), None, "(file)", "is a directory: pass the YAML file itself")]
        ) from None
    except OSError as exc:
        raise ConfigError(
            [Problem(str(path), None, "(file)", f"cannot be read: {exc.strerror or exc}")]
        ) from None
    return parse_config(text, str(path))


def database_url(config: AppConfig, environ: Mapping[str, str], base_dir: Path) -> str:
    """`DATABASE_URL` wins over the config; relative SQLite paths are relative to the config."""
    url = environ.get("DATABASE_URL") or config.database_url
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        url = prefix + str((base_dir / url.removeprefix(prefix)).resolve())
    ref = config.database_password
    if ref is not None:
        from sqlalchemy.engine import make_url

        if ref.file is not None and not ref.file.is_absolute():
            ref = SecretRef(file=base_dir / ref.file)
        password = ref.resolve(environ)
        parsed = make_url(url)
        if password is not None and not parsed.drivername.startswith("sqlite"):
            url = parsed.set(password=password).render_as_string(hide_password=False)
    return url
