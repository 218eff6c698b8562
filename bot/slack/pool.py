"""The bounded pool slow answers run on, apart from the acks.

Slack wants an ack within 3 seconds; an answer may take longer. Bolt's lazy listeners share
one unbounded executor with the acks, so a burst of slow answers made the acks wait (and
every queued answer was still computed minutes later). Here the ack runs in the request's
own thread and only *offers* the answer to this pool: a fixed number of workers and a fixed
number of waiting places. When both are taken the offer is refused at once, the ack says
"busy", and the answer is never computed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger("metrics_bot.slack")

BUSY = "I'm busy answering other requests right now; please try again in a minute."
DEFAULT_WORKERS = 2
"""Answers are mostly CPU (pandas over the store's rows): more threads than cores only add
GIL contention, which delays the acks running beside them in the same process."""
DEFAULT_QUEUE = 8
"""Eight waiting: at ~0.2-0.5 s an answer, the last one waits a second or two, not minutes."""


class AnswerPool:
    """`workers` threads and `queue` waiting places; `offer` never blocks."""

    def __init__(self, workers: int = DEFAULT_WORKERS, queue: int = DEFAULT_QUEUE) -> None:
        if workers < 1 or queue < 0:
            raise ValueError("an answer pool needs at least one worker and a queue of 0 or more")
        self.workers = workers
        self.queue = queue
        self._slots = threading.BoundedSemaphore(workers + queue)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="answer")
        self._lock = threading.Lock()
        self.accepted = 0
        self.shed = 0

    def offer(self, work: Callable[[], None]) -> bool:
        """Run `work` on the pool if a place is free (True); False at once when full."""
        if not self._slots.acquire(blocking=False):
            with self._lock:
                self.shed += 1
            return False

        def run() -> None:
            try:
                work()
            except Exception:  # work reports its own errors; this only keeps the slot count
                log.exception("an answer failed outside its error handler")
            finally:
                self._slots.release()

        try:
            self._executor.submit(run)
        except RuntimeError:  # shut down
            self._slots.release()
            return False
        with self._lock:
            self.accepted += 1
        return True

    def shutdown(self, wait: bool = True) -> None:
        self._executor.shutdown(wait=wait, cancel_futures=False)
