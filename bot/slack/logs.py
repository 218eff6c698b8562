"""Log lines of bounded length for Bolt: it puts whole request bodies in some messages.

Bolt logs the body of a request no listener handled (and, with its own verification, of any
request whose signature failed). A body can be up to the request cap, so every record on
Bolt's loggers is cut to `MAX_LOG_MESSAGE` characters before any handler sees it.
"""

from __future__ import annotations

import logging

MAX_LOG_MESSAGE = 1000


class TruncateMessages(logging.Filter):
    """Cuts a record's formatted message to `limit` characters, saying how long it was."""

    def __init__(self, limit: int = MAX_LOG_MESSAGE) -> None:
        super().__init__()
        self.limit = limit

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if len(message) > self.limit:
            record.msg = f"{message[: self.limit]}... [{len(message)} characters, cut]"
            record.args = None
        return True


def truncating_logger(name: str) -> logging.Logger:
    """The logger `name` with a TruncateMessages filter (added once). Bolt copies a base
    logger's filters to the loggers of its middleware and listeners, so they are cut too."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, TruncateMessages) for f in logger.filters):
        logger.addFilter(TruncateMessages())
    return logger
