"""Session-wide test rules: no network beyond loopback, and database URLs for store tests."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


class NetworkAccessError(RuntimeError):
    """A test tried to leave this machine."""


def _is_loopback(host: Any) -> bool:
    if not isinstance(host, str):
        return False
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _check(address: Any) -> None:
    if isinstance(address, tuple) and address and not _is_loopback(address[0]):
        raise NetworkAccessError(f"tests may only connect to loopback, not {address[0]!r}")


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check(address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(host, bytes):
        host = host.decode()
    if host is not None and not _is_loopback(host):
        raise NetworkAccessError(f"tests may not resolve {host!r}: only loopback is allowed")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    """Install the loopback-only guard before any test module is imported."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo
    _use_worker_database(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    _drop_worker_database(config)
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _real_getaddrinfo


_BASE_URL = pytest.StashKey[str]()
"""TEST_DATABASE_URL as given, before a worker pointed it at its own database."""


def _worker_database_name(config: pytest.Config) -> str | None:
    """The PostgreSQL database of this pytest-xdist worker, None outside a worker or
    without TEST_DATABASE_URL."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None or not os.environ.get("TEST_DATABASE_URL"):
        return None
    return f"test_{workerinput['workerid']}_{workerinput['testrunuid'][:10]}"


def _admin_engine() -> Any:
    from sqlalchemy import create_engine

    from store.db import normalise_url

    url = normalise_url(os.environ["TEST_DATABASE_URL"])
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _use_worker_database(config: pytest.Config) -> None:
    """Each pytest-xdist worker runs on a PostgreSQL database of its own (created here,
    dropped at its end) and points TEST_DATABASE_URL at it: schemas keep tests apart, but
    advisory locks (the scheduler's leadership) are per database, so two workers on one
    database would take each other's lead."""
    name = _worker_database_name(config)
    if name is None:
        return
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    finally:
        admin.dispose()
    url = make_url(os.environ["TEST_DATABASE_URL"]).set(database=name)
    config.stash[_BASE_URL] = os.environ["TEST_DATABASE_URL"]
    os.environ["TEST_DATABASE_URL"] = url.render_as_string(hide_password=False)


def _drop_worker_database(config: pytest.Config) -> None:
    base = config.stash.get(_BASE_URL, None)
    name = _worker_database_name(config)
    if base is None or name is None:
        return
    from sqlalchemy import text

    os.environ["TEST_DATABASE_URL"] = base
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _database_urls() -> list[Any]:
    urls: list[Any] = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get("TEST_DATABASE_URL"):
        urls.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))
    return urls


@pytest.fixture(params=_database_urls())
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, and PostgreSQL too when TEST_DATABASE_URL is set.

    On PostgreSQL every test gets its own schema, dropped afterwards, so tests never see
    each other's rows.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    import uuid

    from sqlalchemy import create_engine, text

    from store.db import normalise_url

    base = normalise_url(os.environ["TEST_DATABASE_URL"])
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
"""Real recorded API responses, kept in the repository as recorded (see PROVENANCE.md there)."""


def recorded(*parts: str) -> Path:
    """Path of a recorded fixture under tests/fixtures; a missing one fails the test."""
    path = FIXTURES_DIR.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"recorded fixture {path.relative_to(FIXTURES_DIR.parent)} is missing")
    return path


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The real recorded API responses in tests/fixtures."""
    return recorded()
