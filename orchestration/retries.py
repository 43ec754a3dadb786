"""Retry only what can pass on a second try: a file briefly locked or busy. Bad sources fail at once."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

MAX_RETRIES = 3
BASE_DELAY_SECONDS = 5


@contextmanager
def retry_transient(context) -> Iterator[None]:
    try:
        yield
    except (duckdb.IOException, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        delay = BASE_DELAY_SECONDS * 2 ** context.retry_number  # 5 s, 10 s, 20 s
        context.log.warning(f"transient failure ({exc}); retrying in {delay} s")
        raise dg.RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=delay) from exc
