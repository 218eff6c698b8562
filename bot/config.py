"""The org configuration (`metrics-bot.yaml`): parsed once, validated, handed down as typed objects.

Every problem is reported at once with the file, line, field and a hint, because a config
that fails one error at a time costs an admin an afternoon. Secrets are never literal in the
YAML: a secret field holds `{env: NAME}` or `{file: PATH}` and is resolved only when used.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

DEFAULT_CONFIG = "metrics-bot.yaml"
MIN_GROUP_SIZE = 5
WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w)\s*$")
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(_Strict):
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


def _secret_field(value: Any) -> Any:
    if isinstance(value, str):
        raise ValueError(
            "secrets are never literal in the config: write `{env: VAR_NAME}` or "
            "`{file: /run/secrets/name}` and put the value there"
        )
    return value


def check_url(value: str, what: str = "this URL") -> str:
    """An http(s) URL with a host and no credentials; the error never repeats the URL.

    A token written into a URL (`https://user:pass@host`) ends up in logs, error messages and
    shell history; credentials belong in a secret (`{env: ...}` or `{file: ...}`).
    """
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018  # raises ValueError on a port that is not a number
    except ValueError:
        raise ValueError(f"{what} is not a valid URL: write it as https://host/path") from None
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            f"{what} has a user name or password in it, which would end up in logs: "
            "write it as https://host/path and put the credential in a secret "
            "({env: VAR_NAME} or {file: /run/secrets/name})"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} is not an http(s) URL: write it as https://host/path")
    return value


def _url_field(value: str | None) -> str | None:
    return None if value is None else check_url(value)


def parse_duration(text: str | int | None) -> timedelta | None:
    """'24h', '30m', '2d', '1w' -> timedelta; 'none' -> None (meaning: no limit)."""
    if text is None or (isinstance(text, str) and text.strip().lower() == "none"):
        return None
    if isinstance(text, int):
        return timedelta(seconds=text)
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration: use e.g. 30m, 24h, 2d, 1w or none")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _check_tz(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}: use an IANA name such as Europe/Berlin"
        ) from None
    return value


class Identity(_Strict):
    """One person as the sources know them; only hashed before storage."""

    github: str | None = None
    gitlab: str | None = None
    jira: str | None = None
    linear: str | None = None
    pagerduty: str | None = None
    tz: str | None = None

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else _check_tz(value)

    def identities(self) -> list[tuple[str, str]]:
        """(source, identity) pairs this person is known by."""
        pairs = [("github", self.github), ("gitlab", self.gitlab), ("jira", self.jira)]
        pairs += [("linear", self.linear), ("pagerduty", self.pagerduty)]
        return [(source, ident) for source, ident in pairs if ident]


class RepoConfig(_Strict):
    """A repository a team owns; in a monorepo, `paths` are the prefixes it owns."""

    name: str
    kind: Literal["product", "platform", "legacy", "infrastructure"] = "product"
    paths: tuple[str, ...] = ()

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(r"[\w.-]+(/[\w.-]+)+", value):
            raise ValueError(f"{value!r} is not owner/name (e.g. acme/payments)")
        return value


class TeamConfig(_Strict):
    """A team: where it talks, when it works, what it owns, who leads it."""

    slug: str
    name: str
    slack_channel: str
    tz: str = "UTC"
    working_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    working_hours: str = "09:00-17:00"
    members: tuple[Identity, ...] = ()
    leads: tuple[str, ...] = ()
    repositories: tuple[RepoConfig, ...] = ()
    jira_projects: tuple[str, ...] = ()
    linear_teams: tuple[str, ...] = ()
    gitlab_projects: tuple[str, ...] = ()
    pagerduty_services: tuple[str, ...] = ()
    detectors: dict[str, bool] = Field(default_factory=dict)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", value):
            raise ValueError(f"{value!r}: use lowercase letters, digits and dashes (team-a)")
        return value

    @field_validator("slack_channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if not re.fullmatch(r"[CG][A-Z0-9]{2,}", value):
            raise ValueError(
                f"{value!r} is not a Slack channel id: copy it from the channel's details "
                "(it starts with C, e.g. C0123ABCD)"
            )
        return value

    @field_validator("leads")
    @classmethod
    def _leads(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for lead in value:
            if not re.fullmatch(r"[UW][A-Z0-9]{2,}", lead):
                raise ValueError(
                    f"{lead!r} is not a Slack user id: use the member id from the profile "
                    "(it starts with U, e.g. U0123ABCD)"
                )
        return value

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str) -> str:
        return _check_tz(value)

    @field_validator("working_days")
    @classmethod
    def _days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [d for d in value if d.lower()[:3] not in WEEKDAYS]
        if bad or not value:
            raise ValueError(f"unknown day(s) {bad}: use mon, tue, wed, thu, fri, sat, sun")
        return tuple(d.lower()[:3] for d in value)

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
        if not match:
            raise ValueError(f"{value!r}: write working hours as HH:MM-HH:MM, e.g. 09:00-17:30")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if not (0 <= h1 < 24 and 0 <= h2 <= 24 and m1 < 60 and m2 < 60) or (h1, m1) >= (h2, m2):
            raise ValueError(f"{value!r}: the start must be before the end, within one day")
        return value

    @property
    def work_window(self) -> tuple[time, time]:
        """(start, end) of the working day in the team's zone."""
        start, end = (part.strip() for part in self.working_hours.split("-"))
        end_time = time.max if end.startswith("24") else time.fromisoformat(end.zfill(5))
        return time.fromisoformat(start.zfill(5)), end_time

    @property
    def working_day_numbers(self) -> tuple[int, ...]:
        """ISO weekday numbers (1 = Monday)."""
        return tuple(WEEKDAYS[d] for d in self.working_days)


class GitHubConfig(_Strict):
    """GitHub or GitHub Enterprise (set `api_url`, e.g. https://github.example.com/api/v3)."""

    api_url: str = "https://api.github.com"
    graphql_url: str | None = None
    token: Annotated[SecretRef, Field()] = SecretRef(env="GITHUB_TOKEN")
    incident_labels: tuple[str, ...] = ("incident",)
    production_environments: tuple[str, ...] = ("production", "prod")
    deploy_workflows: tuple[str, ...] = ()
    bot_patterns: tuple[str, ...] = ()
    sync_every: str = "30m"
    lookback: str = "2d"

    no_literal_secret = field_validator("token", mode="before")(_secret_field)
    plain_urls = field_validator("api_url", "graphql_url")(_url_field)


class ApiSourceConfig(_Strict):
    """PagerDuty, Jira, Linear or GitLab: a base URL and a token; details in their issue."""

    url: str
    token: SecretRef
    email: str | None = None  # Jira Cloud basic auth user
    sync_every: str = "30m"
    lookback: str = "2d"

    no_literal_secret = field_validator("token", mode="before")(_secret_field)
    plain_url = field_validator("url")(_url_field)


class SourcesConfig(_Strict):
    """Which systems to read; leave one out to skip it."""

    github: GitHubConfig | None = None
    gitlab: ApiSourceConfig | None = None
    jira: ApiSourceConfig | None = None
    linear: ApiSourceConfig | None = None
    pagerduty: ApiSourceConfig | None = None


class SlackConfig(_Strict):
    """Slack credentials (from the environment by default) and the leadership channel."""

    bot_token: SecretRef = SecretRef(env="SLACK_BOT_TOKEN")
    signing_secret: SecretRef = SecretRef(env="SLACK_SIGNING_SECRET")
    app_token: SecretRef | None = None
    api_url: str | None = None
    leadership_channel: str | None = None

    no_literal_secrets = field_validator("bot_token", "signing_secret", "app_token", mode="before")(
        _secret_field
    )
    plain_url = field_validator("api_url")(_url_field)


class Thresholds(_Strict):
    """What counts as small or large, how far incidents reach back, the privacy floor."""

    pr_size_buckets: tuple[int, ...] = (50, 200, 800)
    incident_attribution_window: str = "24h"
    min_group_size: int = MIN_GROUP_SIZE
    stall_days: float = 3.0

    @field_validator("min_group_size")
    @classmethod
    def _privacy_floor(cls, value: int) -> int:
        if value < MIN_GROUP_SIZE:
            raise ValueError(
                f"min_group_size {value} is below {MIN_GROUP_SIZE}: people-based figures "
                f"need a group of at least {MIN_GROUP_SIZE} (raise it, never lower it)"
            )
        return value

    @field_validator("pr_size_buckets")
    @classmethod
    def _buckets(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or list(value) != sorted(set(value)) or value[0] <= 0:
            raise ValueError("pr_size_buckets must be increasing positive line counts")
        return value

    @field_validator("incident_attribution_window")
    @classmethod
    def _window(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def incident_window(self) -> timedelta | None:
        """The attribution window; None means "until the next deployment"."""
        return parse_duration(self.incident_attribution_window)


class DigestSchedule(_Strict):
    """When a digest goes out, in each team's own time zone."""

    day: str = "mon"
    time: str = "09:30"
    enabled: bool = True

    @field_validator("day")
    @classmethod
    def _day(cls, value: str) -> str:
        if value.lower()[:3] not in WEEKDAYS:
            raise ValueError(f"{value!r}: use mon, tue, wed, thu, fri, sat or sun")
        return value.lower()[:3]

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        try:
            time.fromisoformat(value.zfill(5))
        except ValueError:
            raise ValueError(f"{value!r}: use HH:MM, e.g. 09:30") from None
        return value


class Schedules(_Strict):
    """The weekly team digest, the leaders' cross-team digest, the leads' biweekly one."""

    team_digest: DigestSchedule = DigestSchedule()
    leaders_digest: DigestSchedule = DigestSchedule(day="mon", time="10:00")
    leads_digest: DigestSchedule = DigestSchedule(day="fri", time="15:00", enabled=False)


class AppConfig(_Strict):
    """The whole configuration file."""

    database_url: str = "sqlite:///metrics-bot.db"
    database_password: SecretRef | None = None
    """The database password, kept out of the URL (e.g. the file PostgreSQL's image reads)."""
    pseudonym_key: SecretRef = SecretRef(env="METRICS_BOT_PSEUDONYM_KEY")
    webhook_secret: SecretRef | None = None
    slack: SlackConfig = SlackConfig()
    sources: SourcesConfig = SourcesConfig()
    thresholds: Thresholds = Thresholds()
    schedules: Schedules = Schedules()
    teams: tuple[TeamConfig, ...]

    no_literal_secrets = field_validator(
        "pseudonym_key", "webhook_secret", "database_password", mode="before"
    )(_secret_field)

    @model_validator(mode="after")
    def _unique_slugs(self) -> AppConfig:
        seen: set[str] = set()
        for team in self.teams:
            if team.slug in seen:
                raise ValueError(f"team slug {team.slug!r} is used twice: slugs must be unique")
            seen.add(team.slug)
        return self

    def team(self, slug: str) -> TeamConfig | None:
        """The team with this slug, or None."""
        return next((t for t in self.teams if t.slug == slug), None)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file, located as precisely as the YAML allows."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        end = "" if self.message.endswith((".", "?", "!")) else "."
        return f"{where}: {self.field}: {self.message}{end}"


class ConfigError(Exception):
    """The config could not be used; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _line_index(node: yaml.Node, path: tuple[Any, ...], index: dict[tuple[Any, ...], int]) -> None:
    """Map every key path in the YAML tree to its 1-based line."""
    index[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, key_node.value)
            _line_index(value_node, child, index)
            index[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_index(item, (*path, i), index)


def _locate(loc: tuple[Any, ...], index: dict[tuple[Any, ...], int]) -> int | None:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in index:
            return index[loc[:cut]]
    return None


def _field_name(loc: tuple[Any, ...], data: Any) -> str:
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            label = ""
            if isinstance(node, list) and part < len(node) and isinstance(node[part], dict):
                label = str(node[part].get("slug") or node[part].get("name") or "")
            parts.append(f"[{part}]" + (f"({label})" if label else ""))
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            parts.append(("." if parts else "") + str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The config model a key path leads to (`("teams", 0)` -> TeamConfig), or None."""
    model: type[BaseModel] = AppConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        found = _model_in(field.annotation)
        if found is None:
            return None
        model = found
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel inside an annotation such as `tuple[TeamConfig, ...]` or `X | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def closest_field(loc: tuple[Any, ...]) -> str | None:
    """The known field nearest in spelling to the unknown key at `loc` (`slack_chanel`)."""
    model = _model_at(loc[:-1])
    if model is None or not loc or not isinstance(loc[-1], str):
        return None
    found = difflib.get_close_matches(loc[-1], list(model.model_fields), n=1, cutoff=0.6)
    return found[0] if found else None


def _unknown_field(loc: tuple[Any, ...]) -> str:
    hint = closest_field(loc)
    if hint is not None:
        return f"unknown field: did you mean {hint}?"
    model = _model_at(loc[:-1])
    known = f" (known here: {', '.join(model.model_fields)})" if model is not None else ""
    return f"unknown field{known}: check its spelling against metrics-bot.example.yaml"


def _clean_message(message: str) -> str:
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


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
        _line_index(root, (), index)
    try:
        return AppConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, file, data, index)) from None


def _problems(
    exc: ValidationError, file: str, data: Any, index: dict[tuple[Any, ...], int]
) -> list[Problem]:
    """One Problem per validation error; a missing field explained by a typo is left out."""
    errors = [
        (tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function"))), e)
        for e in exc.errors()
    ]
    typos = {
        (*loc[:-1], hint)
        for loc, err in errors
        if err["type"] == "extra_forbidden" and (hint := closest_field(loc)) is not None
    }
    problems = []
    for loc, err in errors:
        if err["type"] == "missing" and loc in typos:
            continue  # `slack_chanel: C0...` already says where `slack_channel` went
        message = _clean_message(err["msg"])
        if err["type"] == "extra_forbidden":
            message = _unknown_field(loc)
        elif err["type"] == "missing":
            message = "required field is missing"
        problems.append(Problem(file, _locate(loc, index), _field_name(loc, data), message))
    return problems


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
