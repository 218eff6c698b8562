"""Property: any config gives an AppConfig or a ConfigError naming file and field, no traceback.

Generators: arbitrary text, arbitrary YAML documents, the example config with any field
swapped for any YAML value, the example config with random edits, and arbitrary UTF-8 files
through `load_config`. The inputs this suite once found crashing the config loader
(`bot/config/`) are pinned below, with an alias bomb ("billion laughs") that used to take
exponential time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import AppConfig, ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = (ROOT / "metrics-bot.example.yaml").read_text()
FILE = "fuzz.yaml"
FUZZ = settings(max_examples=120, deadline=None)
SLOW_FUZZ = settings(max_examples=50, deadline=None)  # each example validates the whole example


def _loads_or_config_error(text: str, file: str = FILE) -> None:
    """The property itself: a config, or a ConfigError whose every problem names file and field."""
    try:
        result = parse_config(text, file)
    except ConfigError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == file
            assert isinstance(problem.field, str) and problem.field
            assert isinstance(problem.message, str) and problem.message
            assert problem.line is None or problem.line >= 1
        assert str(exc).startswith(file)
        return
    assert isinstance(result, AppConfig)


_keys = st.sampled_from(["teams", "slug", "name", "tz", "members", "github", "thresholds"])
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | st.text(max_size=30)
)
_yaml_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(_keys | st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=15,
)


@FUZZ
@given(text=st.text(max_size=400))
def test_any_text_gives_a_config_or_a_located_config_error(text: str) -> None:
    _loads_or_config_error(text)


@FUZZ
@given(document=_yaml_values)
def test_any_yaml_document_gives_a_config_or_a_located_config_error(document: Any) -> None:
    _loads_or_config_error(yaml.safe_dump(document))


def _swap(config: Any, path: list[Any], value: Any) -> Any:
    """`config` with the node at `path` replaced (or the path's last key added)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(config, dict):
        return {**config, head: _swap(config.get(head), rest, value)}
    if isinstance(config, list) and isinstance(head, int) and config:
        i = head % len(config)
        return [*config[:i], _swap(config[i], rest, value), *config[i + 1 :]]
    return value


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[list[Any]]:
    found = [list(prefix)]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += _paths(child, (*prefix, i))
    return found


EXAMPLE_DATA = yaml.safe_load(EXAMPLE)
EXAMPLE_PATHS = _paths(EXAMPLE_DATA)


@SLOW_FUZZ
@given(path=st.sampled_from(EXAMPLE_PATHS), value=_yaml_values)
def test_the_example_with_any_field_swapped_gives_a_located_error(
    path: list[Any], value: Any
) -> None:
    _loads_or_config_error(yaml.safe_dump(_swap(EXAMPLE_DATA, path, value)))


@SLOW_FUZZ
@given(
    cuts=st.lists(
        st.tuples(st.integers(0, len(EXAMPLE)), st.integers(0, 40), st.text(max_size=5)),
        min_size=1,
        max_size=4,
    )
)
def test_the_example_with_random_edits_gives_a_located_error(
    cuts: list[tuple[int, int, str]],
) -> None:
    text = EXAMPLE
    for at, length, insert in cuts:
        text = text[:at] + insert + text[at + length :]
    _loads_or_config_error(text)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200))
def test_any_utf8_file_loads_or_gives_a_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "metrics-bot.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_config(path)
    except ConfigError as exc:
        assert all(p.file == str(path) for p in exc.problems)


# Inputs that once escaped the config loader (then bot/config.py) as a traceback.
KNOWN_CRASHES = [
    pytest.param("teams: " + "[" * 500 + "]" * 500, id="deep-sequence-RecursionError"),
    pytest.param("teams: " + "{a: " * 500 + "1" + "}" * 500, id="deep-mapping-RecursionError"),
    pytest.param(
        "teams: []\nthresholds: {min_group_size: " + "9" * 5000 + "}\n",
        id="5000-digit-int-ValueError",
    ),
    pytest.param(
        "a: &a [1,1,1,1,1,1,1,1,1]\n"
        + "".join(
            f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
        + "teams: *i\n",
        id="alias-bomb",
    ),
]


@pytest.mark.parametrize("text", KNOWN_CRASHES)
def test_known_crashes_of_parse_config(text: str) -> None:
    _loads_or_config_error(text)


@pytest.mark.parametrize("kind", ["not-utf8", "a-directory"])
def test_known_crashes_of_load_config(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "metrics-bot.yaml"
    if kind == "not-utf8":
        path.write_bytes(b"teams: [\xff]\n")
    else:
        path.mkdir()
    with pytest.raises(ConfigError):
        load_config(path)
