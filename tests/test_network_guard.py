"""The guard in conftest.py really stops tests from leaving the machine."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.conftest import NetworkAccessError


def test_connecting_to_a_public_address_fails() -> None:
    with (
        pytest.raises(NetworkAccessError),
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock,
    ):
        sock.connect(("93.184.216.34", 80))


def test_resolving_a_public_name_fails_through_httpx() -> None:
    with pytest.raises(NetworkAccessError):
        httpx.get("https://api.github.com/", timeout=1)


def test_loopback_is_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=1):
            pass
