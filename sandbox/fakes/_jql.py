"""The small subset of JQL the Jira fake understands, parsed strictly.

Accepted (keywords case-insensitive, clauses joined by AND, in any order):

    project in (A, B) | project = A
    updated|updatedDate|created|createdDate  >= | > | <= | <  "yyyy-MM-dd HH:mm" (or
        'yyyy/MM/dd HH:mm', 'yyyy-MM-dd', 'yyyy/MM/dd'; in the user's time zone, as Jira reads it)
    ORDER BY updated|created|key [ASC|DESC] [, ...]

Anything else raises JqlError with a message worded like Jira's, which the fake answers as
400 `{"errorMessages": [...], "errors": {}}`: clients must not send JQL the fake (and so the
sync design) did not plan for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>>=|<=|!=|[=<>(),])|"""
    r"""(?P<word>[A-Za-z0-9_.\-/:]+))"""
)
_DATE_FIELDS = {
    "updated": "updated",
    "updateddate": "updated",
    "created": "created",
    "createddate": "created",
}
_ORDER_FIELDS = {
    "updated": "updated",
    "updateddate": "updated",
    "created": "created",
    "createddate": "created",
    "key": "key",
}
_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
_KNOWN_FIELDS = {
    "project",
    "updated",
    "updateddate",
    "created",
    "createddate",
    "key",
    "status",
    "assignee",
    "issuetype",
    "labels",
    "resolution",
    "resolutiondate",
    "summary",
    "text",
    "sprint",
    "priority",
    "reporter",
    "statuscategory",
}


class JqlError(ValueError):
    """A query Jira would refuse (or the fake does not support), with Jira-like wording."""


@dataclass(frozen=True)
class Token:
    kind: str  # "str", "op", "word"
    text: str
    pos: int  # 1-based character, as Jira reports it


@dataclass
class Query:
    """A parsed query: project keys (None = all), time bounds, and sort keys."""

    projects: set[str] | None = None
    bounds: list[tuple[str, str, datetime]] = field(default_factory=list)  # (field, op, at)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)

    def matches(self, project: str, times: dict[str, datetime]) -> bool:
        if self.projects is not None and project not in self.projects:
            return False
        return all(_COMPARE[op](times[f], at) for f, op, at in self.bounds)


_COMPARE: dict[str, Callable[[datetime, datetime], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}


def tokenize(text: str) -> list[Token]:
    tokens = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            start = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise JqlError(
                f"Error in the JQL Query: The character '{text[start]}' is a reserved JQL "
                f"character. You must enclose it in a string or use the escape "
                f"'\\u{ord(text[start]):04x}' instead. (line 1, character {start + 1})"
            )
        kind = m.lastgroup or "word"
        raw = m.group(kind)
        start = m.start(kind)
        value = raw[1:-1] if kind == "str" else raw
        tokens.append(Token(kind, value, start + 1))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str, tz: ZoneInfo) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.tz = tz

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise JqlError(
                "Error in the JQL Query: Expecting a field name but reached the end "
                f"of the query. (line 1, character {len(self.text) + 1})"
            )
        self.i += 1
        return token

    def expect(self, text: str) -> Token:
        token = self.take()
        if token.text.lower() != text.lower():
            raise JqlError(
                f"Error in the JQL Query: Expecting '{text}' but got '{token.text}'. "
                f"(line 1, character {token.pos})"
            )
        return token

    def parse(self) -> Query:
        query = Query()
        if self.peek() is not None and self.peek_word("order"):
            self.order_by(query)
            return query
        while True:
            self.clause(query)
            token = self.peek()
            if token is None:
                return query
            word = token.text.lower() if token.kind == "word" else ""
            if word == "and":
                self.i += 1
                continue
            if word == "order":
                self.order_by(query)
                return query
            if word == "or":
                raise JqlError(
                    "Error in the JQL Query: 'OR' is not supported by this Jira fake; "
                    "use 'project in (...)'. (line 1, character "
                    f"{token.pos})"
                )
            raise JqlError(
                f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got "
                f"'{token.text}'. (line 1, character {token.pos})"
            )

    def peek_word(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "word" and token.text.lower() == word

    def clause(self, query: Query) -> None:
        token = self.take()
        name = token.text.lower()
        if token.kind != "word" or name not in _KNOWN_FIELDS:
            raise JqlError(
                f"Field '{token.text}' does not exist or you do not have permission to view it."
            )
        if name == "project":
            query.projects = self.project_values(query.projects)
            return
        if name in _DATE_FIELDS:
            op = self.take()
            if op.text not in _COMPARE:
                raise JqlError(
                    f"Error in the JQL Query: The operator '{op.text}' is not "
                    f"supported by this Jira fake for field '{token.text}'. (line 1, "
                    f"character {op.pos})"
                )
            value = self.take()
            query.bounds.append((_DATE_FIELDS[name], op.text, self.date(token.text, value)))
            return
        raise JqlError(
            f"Error in the JQL Query: the field '{token.text}' is not supported by "
            f"this Jira fake. (line 1, character {token.pos})"
        )

    def project_values(self, previous: set[str] | None) -> set[str]:
        op = self.take()
        values: list[str] = []
        if op.text == "=":
            values.append(self.value().text)
        elif op.kind == "word" and op.text.lower() == "in":
            self.expect("(")
            while True:
                values.append(self.value().text)
                sep = self.take()
                if sep.text == ")":
                    break
                if sep.text != ",":
                    raise JqlError(
                        f"Error in the JQL Query: Expecting ',' or ')' but got "
                        f"'{sep.text}'. (line 1, character {sep.pos})"
                    )
        else:
            raise JqlError(
                f"Error in the JQL Query: The operator '{op.text}' is not supported "
                f"by this Jira fake for field 'project'. (line 1, character {op.pos})"
            )
        keys = {v.upper() for v in values}
        return keys if previous is None else previous & keys

    def value(self) -> Token:
        token = self.take()
        if token.kind == "op":
            raise JqlError(
                f"Error in the JQL Query: Expecting a value but got '{token.text}'. "
                f"(line 1, character {token.pos})"
            )
        return token

    def date(self, field_name: str, token: Token) -> datetime:
        for fmt in _FORMATS:
            try:
                return datetime.strptime(token.text, fmt).replace(tzinfo=self.tz)
            except ValueError:
                continue
        raise JqlError(
            f"Date value '{token.text}' for field '{field_name}' is invalid. Valid formats "
            "include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a "
            "period format e.g. '-5d', '4w 2d'."
        )

    def order_by(self, query: Query) -> None:
        self.expect("order")
        self.expect("by")
        while True:
            token = self.take()
            name = _ORDER_FIELDS.get(token.text.lower())
            if name is None:
                raise JqlError(
                    f"Error in the JQL Query: ordering by '{token.text}' is not "
                    f"supported by this Jira fake. (line 1, character {token.pos})"
                )
            descending = False
            nxt = self.peek()
            if nxt is not None and nxt.kind == "word" and nxt.text.lower() in ("asc", "desc"):
                descending = nxt.text.lower() == "desc"
                self.i += 1
            query.order.append((name, descending))
            nxt = self.peek()
            if nxt is None:
                return
            if nxt.text != ",":
                raise JqlError(
                    f"Error in the JQL Query: Expecting ',' but got '{nxt.text}'. "
                    f"(line 1, character {nxt.pos})"
                )
            self.i += 1


def parse_jql(text: str, tz: str = "UTC") -> Query:
    """Parse `text`; dates are read in the time zone `tz` (the API user's profile zone)."""
    if not text.strip():
        return Query()
    return _Parser(text, ZoneInfo(tz)).parse()
