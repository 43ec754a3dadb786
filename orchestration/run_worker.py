"""Which process works on a run, so the daemon's run monitoring can tell a dead run from a live one.

Every step records its process (host, pid and the kernel's start time of that pid, so a reused pid is not
mistaken for the run) as run tags. The instance's run launcher (orchestration/dagster.yaml) is Dagster's default
launcher plus a health check on those tags: when the process is gone, run monitoring marks the run failed and
the queue of warehouse writers moves on. Runs started by `make run` go through that launcher too
(orchestration/launch.py).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus

PID_TAG = "warehouse/worker_pid"
HOST_TAG = "warehouse/worker_host"
START_TAG = "warehouse/worker_start"


def _start_ticks(pid: int) -> str | None:
    """Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def run_key(context) -> str:
    """The run whose working state a step continues: a re-execution continues its root run's build."""
    return context.run.root_run_id or context.run.run_id


_RECORDED: set[tuple[str, int]] = set()


def record_worker(context) -> str:
    """Tag the run with this process (once per run and process), and return the run's working-state key."""
    pid = os.getpid()
    if (context.run.run_id, pid) not in _RECORDED:
        context.instance.add_run_tags(
            context.run.run_id, {PID_TAG: str(pid), HOST_TAG: socket.gethostname(), START_TAG: _start_ticks(pid) or ""}
        )
        _RECORDED.add((context.run.run_id, pid))
    return run_key(context)


class WarehouseRunLauncher(DefaultRunLauncher):
    """Dagster's default run launcher, with the worker health check run monitoring needs."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run) -> CheckRunHealthResult:
        pid, host, start = run.tags.get(PID_TAG), run.tags.get(HOST_TAG), run.tags.get(START_TAG)
        if pid is None or host != socket.gethostname():
            # not yet recorded (the worker is still starting), or elsewhere: max_runtime_seconds still applies
            return CheckRunHealthResult(WorkerStatus.RUNNING, "worker not recorded on this host")
        if _start_ticks(int(pid)) != start:
            return CheckRunHealthResult(
                WorkerStatus.FAILED, f"worker process {pid} on {host} is gone (killed or crashed)"
            )
        return CheckRunHealthResult(WorkerStatus.RUNNING, f"worker process {pid} is alive")
