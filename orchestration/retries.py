"""Retry only what can pass on a second try: a file another process briefly locks or holds busy.

A full disk, a permission error, a missing folder or a damaged file fails at once: waiting does not fix them.
"""

import errno
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

MAX_RETRIES = 3
BASE_DELAY_SECONDS = 5
_TRANSIENT_ERRNOS = {errno.EAGAIN, errno.EBUSY, errno.ETXTBSY, errno.EINTR}
# DuckDB's words for a file another process holds open for writing
_LOCK_MESSAGES = ("could not set lock on file", "conflicting lock")


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, duckdb.IOException):
        return any(words in str(exc).lower() for words in _LOCK_MESSAGES)
    return isinstance(exc, OSError) and exc.errno in _TRANSIENT_ERRNOS


@contextmanager
def retry_transient(context) -> Iterator[None]:
    try:
        yield
    except (duckdb.IOException, OSError) as exc:
        if not is_transient(exc):
            raise
        delay = BASE_DELAY_SECONDS * 2**context.retry_number  # 5 s, 10 s, 20 s
        context.log.warning(f"transient failure ({exc}); retrying in {delay} s")
        raise dg.RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=delay) from exc
