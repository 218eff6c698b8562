"""Source name -> Source class, so the shell can build any source from its config section.

    cls = get_source_class("github")
    source = cls(cls.config_model.model_validate(section), secret=secret)

New sources add one line to `_BUILTIN` (imported lazily, so an unused source costs nothing)
or call `register` (plugins, tests).
"""

from __future__ import annotations

import importlib

from ingest.base import Source

_BUILTIN: dict[str, str] = {
    "github": "ingest.sources.github.source:GitHubSource",
    "pagerduty": "ingest.sources.pagerduty.source:PagerDutySource",
    "jira": "ingest.sources.jira.source:JiraSource",
    "linear": "ingest.sources.linear.source:LinearSource",
    "gitlab": "ingest.sources.gitlab.source:GitLabSource",
}
_REGISTERED: dict[str, type[Source]] = {}


def register(name: str, cls: type[Source]) -> None:
    """Make `cls` available under `name` (overrides a built-in of the same name)."""
    _REGISTERED[name] = cls


def names() -> list[str]:
    """Every known source name."""
    return sorted(set(_BUILTIN) | set(_REGISTERED))


def get_source_class(name: str) -> type[Source]:
    """The Source class registered as `name`; a clear error naming the known ones."""
    if name in _REGISTERED:
        return _REGISTERED[name]
    if name not in _BUILTIN:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(names())}")
    module, _, attr = _BUILTIN[name].partition(":")
    cls = getattr(importlib.import_module(module), attr)
    if not (isinstance(cls, type) and issubclass(cls, Source)):
        raise TypeError(f"{_BUILTIN[name]} is not a Source")
    return cls
