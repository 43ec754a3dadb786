"""dagster-dbt's dbt resource, without the two things its `cli` does for helpers this project does not call, and
with dbt dying with the run worker that started it.

Before every invocation dagster-dbt 0.29 runs `dbt --version` in a subprocess (once per resource instance, and
Dagster makes one per run) and builds a dbt adapter in the Dagster process (importing dbt-core and loading its
macros). The adapter serves only `fetch_row_counts()` and `fetch_column_metadata()`, which this project cannot
use on DuckDB (orchestration/dbt_metadata.py says why), and the version only tells dbt-core from the Fusion
engine. Skipping both took a seed build's dbt step from 13.1 s to 10.4 s (two in-process builds each way).
tests/test_foundation.py fails if a dagster-dbt release renames what this overrides, which would silently bring
the cost back.

A dbt process dies with the run worker that started it: dagster-dbt starts dbt with `subprocess.Popen` and offers
no hook for how, so its module's view of `subprocess` starts dbt with the kernel's parent-death signal (prctl
PR_SET_PDEATHSIG) set to SIGKILL. Without it a `kill -9` of the worker left `dbt build` writing into the dead run's
working file for as long as the build had left, 8 to 10 s (tests/test_run_verdict.py).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
from functools import cached_property
from importlib.metadata import version as installed_version

from dagster_dbt import DbtCliResource
from dagster_dbt.core import dbt_cli_invocation
from packaging import version

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
# looked up and converted here: between fork and exec the child only makes the call
_prctl, _SIGKILL = ctypes.CDLL(None, use_errno=True).prctl, int(signal.SIGKILL)


def _dies_with_this_thread():
    """What the dbt child runs before exec: ask the kernel to SIGKILL it when the thread that started it ends,
    as a killed run worker's threads do. A worker already gone by then is not signalled: the child ends itself."""
    parent = os.getpid()

    def set_death_signal() -> None:
        _prctl(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return set_death_signal


class _DyingWithTheWorker:
    """The `subprocess` module as dagster-dbt's invocation sees it, whose Popen starts dbt dying with the worker."""

    def __getattr__(self, name: str):
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args, **kwargs) -> subprocess.Popen:  # subprocess's own name: the one dagster-dbt calls
        return subprocess.Popen(*args, preexec_fn=_dies_with_this_thread(), **kwargs)


dbt_cli_invocation.subprocess = _DyingWithTheWorker()


class WarehouseDbtResource(DbtCliResource):
    """Runs the dbt installed beside this interpreter (DBT_EXECUTABLE), so its version is the installed
    dbt-core's; `fetch_row_counts()`/`fetch_column_metadata()` are not available through it."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None
