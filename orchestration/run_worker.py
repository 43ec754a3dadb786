"""Which process works on a run, so the daemon's run monitoring can tell a dead run from a live one.

A run's first step records its process (host, pid and the kernel's start time of that pid, so a reused pid is not
mistaken for the run) as run tags; every job runs its steps in that one process (the code location's in-process
executor), so no later step, and no step subprocess, replaces it. The tags carry Dagster's hidden prefix
(`.dagster/`), so the UI's runs list does not show them. The instance's run launcher (orchestration/dagster.yaml)
is Dagster's default launcher plus a health check on those tags: when the process is gone, run monitoring marks
the run failed and the queue of warehouse writers moves on. Runs started by `make run` go through that launcher
too (orchestration/launch.py).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus

from .run_rules import check_run, continues_root_build
from .settings import Settings

PID_TAG = ".dagster/warehouse_worker_pid"
HOST_TAG = ".dagster/warehouse_worker_host"
START_TAG = ".dagster/warehouse_worker_start"


def _start_ticks(pid: int) -> str | None:
    """Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def run_key(context) -> str:
    """The run whose working state a step continues (run_rules.continues_root_build)."""
    return context.run.root_run_id if continues_root_build(context.run) else context.run.run_id


_RECORDED: set[str] = set()


def record_worker(context, settings: Settings) -> str:
    """At a run's first step in this process: refuse a run that would not publish what it builds (run_rules.py)
    and tag the run with its worker process, unless a step recorded one already. Return the run's working-state
    key."""
    run_id = context.run.run_id
    if run_id not in _RECORDED:
        check_run(context, settings)
        # a re-execution starts with its parent's tags, whose worker has ended; a live worker is this run's
        if not _alive(context.instance.get_run_by_id(run_id).tags):
            pid = os.getpid()
            context.instance.add_run_tags(
                run_id, {PID_TAG: str(pid), HOST_TAG: socket.gethostname(), START_TAG: _start_ticks(pid) or ""}
            )
        _RECORDED.add(run_id)
    return run_key(context)


def _alive(tags) -> bool:
    pid, host, start = tags.get(PID_TAG), tags.get(HOST_TAG), tags.get(START_TAG)
    return pid is not None and host == socket.gethostname() and _start_ticks(int(pid)) == start


class WarehouseRunLauncher(dg.DefaultRunLauncher):
    """Dagster's default run launcher, with the worker health check run monitoring needs."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run) -> CheckRunHealthResult:
        pid, host = run.tags.get(PID_TAG), run.tags.get(HOST_TAG)
        if pid is None or host != socket.gethostname():
            # not yet recorded (the worker is still starting), or elsewhere: max_runtime_seconds still applies
            return CheckRunHealthResult(WorkerStatus.RUNNING, "worker not recorded on this host")
        if not _alive(run.tags):
            return CheckRunHealthResult(
                WorkerStatus.FAILED, f"worker process {pid} on {host} is gone (killed or crashed)"
            )
        return CheckRunHealthResult(WorkerStatus.RUNNING, f"worker process {pid} is alive")
