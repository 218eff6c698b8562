"""From a pydantic error to a Problem: the YAML line of each key path, the field's readable
name (`teams[0](team-a).slack_channel`) and a spelling hint for unknown keys."""

from __future__ import annotations

import difflib
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from bot.config.models import AppConfig
from bot.config.problems import Problem


def line_index(node: yaml.Node, path: tuple[Any, ...], index: dict[tuple[Any, ...], int]) -> None:
    """Map every key path in the YAML tree to its 1-based line."""
    index[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, key_node.value)
            line_index(value_node, child, index)
            index[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            line_index(item, (*path, i), index)


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


def problems_of(
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
