"""One home per setting (issue 14, item 4): every field of the config models, so every key an
admin can write in `metrics-bot.yaml`, is read where it acts. A documented field that nothing
reads is a bug: the admin sets it and nothing changes (as `thresholds.stall_days` was).

The bot hands most settings on to analytics as typed inputs (`analytics.context`), so the
same holds there: each field of those inputs is read by analytics (directly or through an
accessor of its class that analytics reads), else the bot reads a setting only to drop it.

Two checks. By name: each field is read outside the config package, as an attribute
(`team.tz`), through an accessor of its model that is itself read (`work_window` reads
`working_hours`), or by the source its section is handed to. By behaviour: each key of a
source's section changes the typed config that source builds (`Source.config_from`).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
from collections.abc import Iterator
from functools import cache, cached_property
from pathlib import Path

import pytest
from pydantic import BaseModel

from analytics import context as analytics_inputs
from bot.cli.ingest import source_config
from bot.config import AppConfig, parse_config
from bot.config.locate import _model_in
from bot.config.models import ApiSourceConfig, GitHubConfig, SourcesConfig
from bot.runtime import Runtime
from ingest.registry import names as source_names

ROOT = Path(__file__).resolve().parents[2]

ACCESSORS: dict[tuple[str, str], str] = {
    # (model, field): the accessor of that model through which the code reads the field
    ("TeamConfig", "working_days"): "working_day_numbers",
    ("TeamConfig", "working_hours"): "work_window",
    ("Thresholds", "incident_attribution_window"): "incident_window",
    ("Identity", "github"): "identities",
    ("Identity", "gitlab"): "identities",
    ("Identity", "jira"): "identities",
    ("Identity", "linear"): "identities",
    ("Identity", "pagerduty"): "identities",
}
SECTIONS = (GitHubConfig, ApiSourceConfig)
"""Models whose data is handed whole (`model_dump`) to a source's `config_from`."""
ONLY_FOR: dict[str, set[str]] = {
    # ApiSourceConfig field: the sources that read it; the others ignore it by design
    "email": {"jira"},  # Jira Cloud's basic auth user; GitLab, Linear, PagerDuty use bearer
}
READ_BY_THE_SHELL = {"token", "sync_every", "lookback"}
"""Section keys the shell acts on itself (secret resolution, the scheduler, the cursor)."""


def fields(model: type[BaseModel] = AppConfig) -> Iterator[tuple[type[BaseModel], str]]:
    """Every (model, field name) reachable from AppConfig, each model once."""
    seen: set[type[BaseModel]] = set()
    todo = [model]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, info in current.model_fields.items():
            yield current, name
            inner = _model_in(info.annotation)
            if inner is not None:
                todo.append(inner)


def names_in_code(paths: Iterator[Path]) -> tuple[frozenset[str], frozenset[str]]:
    """The attribute names read (`x.name`) and the string constants in these modules' code:
    parsed, so a docstring that merely mentions a setting does not count as reading it."""
    attributes: set[str] = set()
    strings: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                attributes.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value)
    return frozenset(attributes), frozenset(strings)


@cache
def outside_the_config() -> tuple[frozenset[str], frozenset[str]]:
    """Names in bot/ (but its config package) and ingest/, where settings act."""
    paths = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "ingest").rglob("*.py")]
    config = ROOT / "bot" / "config"
    return names_in_code(p for p in paths if not p.is_relative_to(config))


def read_as_attribute(name: str) -> bool:
    return name in outside_the_config()[0]


def read_by_a_source(name: str) -> bool:
    """A section key a source's `config_from` takes (`section["x"]`, `.get("x")`, a table)."""
    return name in outside_the_config()[1]


def unread(model: type[BaseModel], name: str) -> str | None:
    """Why (model, name) counts as never read, or None when something reads it."""
    if model is SourcesConfig:
        return None if name in source_names() else "not a source the registry knows"
    if read_as_attribute(name):
        return None
    accessor = ACCESSORS.get((model.__name__, name))
    if accessor is not None:
        body = accessor_sources(model).get(accessor, "")
        if f"self.{name}" in body and read_as_attribute(accessor):
            return None
        return f"its accessor {accessor} does not read it or is never read"
    if model in SECTIONS and read_by_a_source(name):
        return None
    return "never read outside bot/config"


def test_the_walk_reaches_every_section() -> None:
    found = {f"{m.__name__}.{n}" for m, n in fields()}
    assert {"TeamConfig.working_hours", "Thresholds.stall_days", "Identity.pagerduty"} <= found
    assert {"GitHubConfig.deploy_workflows", "ApiSourceConfig.email"} <= found
    assert {"DigestSchedule.enabled", "SlackConfig.leadership_channel"} <= found


def test_every_config_field_is_read_where_it_acts() -> None:
    found = {f"{m.__name__}.{n}": why for m, n in fields() if (why := unread(m, n))}
    assert found == {}


def test_the_check_would_see_a_field_nobody_reads() -> None:
    class Probe(BaseModel):
        never_read_anywhere_xq: int = 0

    assert unread(Probe, "never_read_anywhere_xq") == "never read outside bot/config"
    assert unread(Probe, "tz") is None


ANALYTICS_INPUTS = (
    analytics_inputs.OrgContext,
    analytics_inputs.TeamContext,
    analytics_inputs.Thresholds,
    analytics_inputs.RepoInfo,
)


@cache
def read_by_analytics() -> frozenset[str]:
    """Attribute names analytics/ reads, but in the module that declares its inputs."""
    paths = (ROOT / "analytics").rglob("*.py")
    return names_in_code(p for p in paths if p.name != "context.py")[0]


def accessor_sources(cls: type) -> dict[str, str]:
    """Each method or property of `cls` with its source."""
    found = {}
    for name, member in vars(cls).items():
        target = member.fget if isinstance(member, property) else member
        target = target.func if isinstance(target, cached_property) else target
        if inspect.isfunction(target) and not name.startswith("__"):
            found[name] = inspect.getsource(target)
    return found


def unread_by_analytics(cls: type, name: str) -> bool:
    via = [a for a, body in accessor_sources(cls).items() if f"self.{name}" in body]
    return not ({name, *via} & read_by_analytics())


def test_every_input_the_bot_hands_to_analytics_is_read_there() -> None:
    found = [
        f"{cls.__name__}.{f.name}"
        for cls in ANALYTICS_INPUTS
        for f in dataclasses.fields(cls)
        if unread_by_analytics(cls, f.name)
    ]
    assert found == []


def test_the_analytics_check_would_see_a_dropped_input() -> None:
    @dataclasses.dataclass
    class Probe:
        dropped_on_the_floor_xq: int = 0
        calendar: int = 0

    assert unread_by_analytics(Probe, "dropped_on_the_floor_xq")
    assert not unread_by_analytics(Probe, "calendar")


BASE = """
pseudonym_key: {env: KEY}
sources:
  github: {}
  gitlab: {url: https://gitlab.test, token: {env: T}}
  jira: {url: https://acme.atlassian.net, token: {env: T}}
  linear: {url: https://linear.test/graphql, token: {env: T}}
  pagerduty: {url: https://pd.test, token: {env: T}}
teams:
  - slug: team-a
    name: A
    slack_channel: C0AAA
    members: [{github: ann}]
    repositories: [{name: acme/api}]
"""
CHANGED = {
    # a value for each section key that differs from its default
    "api_url": "https://ghe.example.com/api/v3",
    "graphql_url": "https://ghe.example.com/graphql",
    "incident_labels": ["sev1"],
    "production_environments": ["live"],
    "deploy_workflows": ["Ship it"],
    "bot_patterns": ["robo-*"],
    "url": "https://other.example.com",
    "email": "bot@acme.test",
}


def typed(tmp_path: Path, source: str, key: str | None) -> BaseModel:
    """The typed config `source` builds, with `key` of its section set to CHANGED[key]."""
    config = parse_config(BASE)
    if key is not None:
        old = getattr(config.sources, source)
        section = type(old).model_validate({**old.model_dump(), key: CHANGED[key]})
        sources = config.sources.model_copy(update={source: section})
        config = config.model_copy(update={"sources": sources})
    environ = {"KEY": "k", "T": "t", "GITHUB_TOKEN": "g"}
    runtime = Runtime(config=config, config_path=tmp_path / "c.yaml", environ=environ)
    built = source_config(runtime, source)
    assert isinstance(built, BaseModel)
    return built


def section_keys() -> Iterator[tuple[str, str]]:
    for source in source_names():
        model = GitHubConfig if source == "github" else ApiSourceConfig
        for key in model.model_fields:
            if key in READ_BY_THE_SHELL or source not in ONLY_FOR.get(key, {source}):
                continue
            yield source, key


@pytest.mark.parametrize(("source", "key"), list(section_keys()))
def test_every_source_section_key_changes_what_its_source_builds(
    tmp_path: Path, source: str, key: str
) -> None:
    assert key in CHANGED, f"give sources.{source}.{key} a changed value in CHANGED"
    assert typed(tmp_path, source, key) != typed(tmp_path, source, None)


def test_the_privacy_floor_is_defined_once_in_analytics() -> None:
    """`MIN_GROUP_SIZE` was defined in bot/config.py and analytics/context.py: two values
    that could drift apart. Now only analytics defines it and the config validates with it."""
    defined = [
        path.relative_to(ROOT).as_posix()
        for package in ("bot", "analytics", "ingest", "store")
        for path in (ROOT / package).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name) and target.id == "MIN_GROUP_SIZE"
    ]
    assert defined == ["analytics/context.py"]
    from bot.config.models import Thresholds

    floor = analytics_inputs.MIN_GROUP_SIZE
    assert Thresholds().min_group_size == floor
    with pytest.raises(ValueError, match=f"below {floor}"):
        Thresholds(min_group_size=floor - 1)
