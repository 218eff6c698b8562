"""Opening the database for a command: one clear error instead of a driver traceback.

Every command reaches the store through `Runtime.engine`, which calls `open_engine`; when
the server is down, the name does not resolve or the file cannot be opened, the command
ends with `DatabaseUnavailable`, whose message names the URL with its password masked.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError

from store.db import make_engine, upgrade

_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:/@]*):[^@/]*@")
_SECRET_PARAM = re.compile(r"(?i)\b(password|passwd|pwd|sslpassword)=[^&;\s]*")


class DatabaseUnavailable(Exception):
    """The database could not be reached or opened; the message is one line for a person."""


def mask_url(url: str) -> str:
    """`url` with its password (in the user info or a query parameter) replaced by ***."""
    from sqlalchemy.engine import make_url

    try:
        masked = make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        masked = _USERINFO.sub(r"\g<scheme>\g<user>:***@", url)
    return _SECRET_PARAM.sub(lambda m: f"{m.group(1)}=***", masked)


def reason(exc: BaseException) -> str:
    """The driver's first line (psycopg adds hints on further lines), without the SQL."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


def unavailable(url: str, exc: BaseException) -> DatabaseUnavailable:
    """The error a command ends with when the database at `url` failed it."""
    return DatabaseUnavailable(f"cannot use the database at {mask_url(url)}: {reason(exc)}")


def open_engine(url: str) -> Engine:
    """An engine for `url` with the schema brought up to date, or DatabaseUnavailable."""
    try:
        engine = make_engine(url)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseUnavailable(f"the database URL {mask_url(url)} is not valid: {exc}") from None
    except OSError as exc:  # a SQLite folder that cannot be created
        raise DatabaseUnavailable(f"cannot use the database at {mask_url(url)}: {exc}") from None
    except ImportError as exc:
        raise DatabaseUnavailable(
            f"no driver for the database at {mask_url(url)} ({exc.name} is not installed; "
            "for PostgreSQL install metrics-bot[postgres])"
        ) from None
    try:
        upgrade(engine)
    except (OperationalError, InterfaceError) as exc:
        engine.dispose()
        raise unavailable(url, exc) from None
    return engine
