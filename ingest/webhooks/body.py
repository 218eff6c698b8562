"""Validating a webhook body: a 400 reason, naming the field, for anything the store would
not keep alike on both databases.

The HTTP layer (bot.webhooks) has already capped the body's size and checked its signature.
Parsing then refuses, with a short reason that never quotes the body: bytes that are not
UTF-8, invalid JSON, numbers past `MAX_DIGITS` digits (Python's int conversion limit would
raise), NaN and Infinity, nesting deeper than the parser allows, a top level that is not an
object, and strings the databases cannot store alike: a NUL character (PostgreSQL refuses it
in text, SQLite keeps it) or an unpaired surrogate (no UTF-8 encoding). Strings are limited
to their column's length, so PostgreSQL never refuses what SQLite accepted.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String

MAX_DIGITS = 30
MAX_TIME_CHARS = 64


class BadPayload(Exception):
    """The body is not what the endpoint accepts; the message names the field, never a value."""


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise BadPayload(f"a number has more than {MAX_DIGITS} digits")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_DIGITS + 10:
        raise BadPayload(f"a number has more than {MAX_DIGITS} digits")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise BadPayload("a number is too large")
    return value


def _constant(name: str) -> Any:
    raise BadPayload(f"{name} is not a JSON value")


def parse_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or BadPayload saying why not."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadPayload(f"the body is not UTF-8 (invalid byte at offset {exc.start})") from None
    try:
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise BadPayload(
            f"invalid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
        ) from None
    except RecursionError:
        raise BadPayload("invalid JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise BadPayload("the body must be a JSON object")
    return value


def column_limit(model: Any, column: str) -> int:
    """The length of a String column (Text columns: 2,000, what a title needs)."""
    kind = model.__table__.c[column].type
    return kind.length if isinstance(kind, String) and kind.length else 2000


def text(body: dict[str, Any], name: str, limit: int, *, required: bool = True) -> str | None:
    """A string (or integer, as its digits) field both databases store the same way."""
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise BadPayload(f"missing field {name!r}")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadPayload(f"field {name!r} must be a string")
    result = str(value)
    if len(result) > limit:
        raise BadPayload(f"field {name!r} is longer than {limit} characters")
    if "\x00" in result:
        raise BadPayload(f"field {name!r} contains a NUL character")
    try:
        result.encode("utf-8")
    except UnicodeEncodeError:
        raise BadPayload(
            f"field {name!r} contains an unpaired surrogate (\\ud800-\\udfff)"
        ) from None
    return result


def instant(body: dict[str, Any], name: str, *, required: bool = True) -> datetime | None:
    """An ISO 8601 time with a UTC offset, as an aware UTC datetime."""
    value = body.get(name)
    if value is None:
        if required:
            raise BadPayload(f"missing field {name!r}")
        return None
    if not isinstance(value, str) or len(value) > MAX_TIME_CHARS:
        raise BadPayload(f"field {name!r} must be an ISO 8601 time string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadPayload(f"field {name!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise BadPayload(f"field {name!r} needs a UTC offset, e.g. 2026-11-24T10:00:00Z")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise BadPayload(f"field {name!r} is out of range") from None


def flag(body: dict[str, Any], name: str) -> bool:
    """An optional true/false field (absent: false)."""
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise BadPayload(f"field {name!r} must be true or false")
    return value
