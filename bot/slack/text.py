"""Make outside text safe for Slack: no mentions, no forged links, no broken formatting.

PR titles, team names and incident titles come from people outside the bot's control. Slack's
mrkdwn treats `<...>` as links and mentions (`<!channel>`, `<@U123>`, `<http://x|label>`), so
`&`, `<` and `>` are escaped exactly as Slack documents; bare `@channel`/`@here`/`@everyone`
get a zero-width joiner so even clients that link names cannot ping a whole channel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

_BROADCASTS = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_ZWJ = "\u200d"
ELLIPSIS = "…"


def escape(text: object) -> str:
    """Escape `text` for a mrkdwn or plain_text field (Slack's three control characters)."""
    raw = "" if text is None else str(text)
    raw = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCASTS.sub(lambda m: "@" + _ZWJ + m.group(1), raw)


def plain(text: object) -> str:
    """Text for a plain_text field: Slack parses no markup there, so only broadcasts are muted."""
    raw = "" if text is None else str(text)
    return _BROADCASTS.sub(lambda m: "@" + _ZWJ + m.group(1), raw)


def truncate(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    # never leave half an escape entity (&amp;) at the cut
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def safe_url(url: object) -> str | None:
    """The URL if it is a plain http(s) address Slack can link, else None."""
    if not isinstance(url, str) or not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    if any(ch in url for ch in "<>| \n\t\r"):
        return None
    return url.strip()


def link(url: object, label: object) -> str:
    """A mrkdwn link whose label cannot carry markup; just the escaped label if the URL is odd."""
    shown = escape(label).replace("|", "¦") or escape(url)
    target = safe_url(url)
    if target is None:
        return shown
    return f"<{target}|{shown}>"


MAX_ECHO = 100
"""What a reply repeats of a person's own words is cut to this (with an ellipsis)."""
MAX_LISTED = 20
"""A reply lists at most this many teams or choices, then says how many more."""


def echo(word: str) -> str:
    """The person's `word` as a reply repeats it: at most MAX_ECHO characters, escaped."""
    return escape(truncate(word, MAX_ECHO))


def listed(names: Sequence[str]) -> str:
    """`a`, `b` and 3 more: at most MAX_LISTED names, each echoed."""
    shown = ", ".join(f"`{echo(n)}`" for n in names[:MAX_LISTED]) or "none configured"
    more = len(names) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def did_you_mean(options: Sequence[str]) -> str:
    """ " Did you mean `a` or `b`?" for up to three options; empty without any."""
    if not options:
        return ""
    return " Did you mean " + " or ".join(f"`{echo(o)}`" for o in options[:3]) + "?"
