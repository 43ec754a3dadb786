"""Retry only what can pass on a second try: a file another process briefly locks or holds busy.

A full disk, a permission error, a missing folder or a damaged file fails at once: waiting does not fix them.
"""

import errno
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import duckdb

MAX_RETRIES = 3
BASE_DELAY_SECONDS = 5
_TRANSIENT_ERRNOS = {errno.EAGAIN, errno.EBUSY, errno.ETXTBSY, errno.EINTR}
# DuckDB's words for a file another process holds open for writing
_LOCK_MESSAGES = ("could not set lock on file", "conflicting lock")
T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, duckdb.IOException):
        return any(words in str(exc).lower() for words in _LOCK_MESSAGES)
    return isinstance(exc, OSError) and exc.errno in _TRANSIENT_ERRNOS


@contextmanager
def retry_transient(context) -> Iterator[None]:
    """A step's transient failure asks Dagster to run the step again later."""
    import dagster as dg  # here, not at the top: the command line and warehouse.py use this module without Dagster

    try:
        yield
    except (duckdb.IOException, OSError) as exc:
        if not is_transient(exc):
            raise
        delay = _delay(context.retry_number)
        context.log.warning(f"transient failure ({exc}); retrying in {delay} s")
        raise dg.RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=delay) from exc


def retry_locked(call: Callable[[], T], what: str) -> T:
    """`call()`, tried again after the same waits while it fails on a lock or a busy file, for work that is not
    a whole step Dagster can run again (opening the published file before a run decides anything); the last
    failure is raised."""
    for attempt in range(MAX_RETRIES):
        try:
            return call()
        except (duckdb.IOException, OSError) as exc:
            if not is_transient(exc):
                raise
            delay = _delay(attempt)
            _warn(f"{what}: transient failure ({exc}); retrying in {delay} s")
            time.sleep(delay)
    return call()


def _delay(retry_number: int) -> int:
    return BASE_DELAY_SECONDS * 2**retry_number  # 5 s, 10 s, 20 s


def _warn(message: str) -> None:
    import dagster as dg  # in a step, Dagster's logger puts the warning in the run's log

    dg.get_dagster_logger().warning(message)
