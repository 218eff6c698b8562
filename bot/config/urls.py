"""URLs in the config or the environment: http(s), a host, and never a credential."""

from __future__ import annotations

from urllib.parse import urlsplit


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


def url_field(value: str | None) -> str | None:
    return None if value is None else check_url(value)
