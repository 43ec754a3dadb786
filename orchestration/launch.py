"""Launch the warehouse job the way the Dagster UI does, and wait for it.

The run is created from the code location `dagster dev -m orchestration.definitions` serves (same location name,
job snapshot and origin as a UI launch), so it shows on the UI's timeline and re-executes like a UI run. With the
daemon running it is submitted to the instance's run queue and waits behind the nightly run or a UI launch (the
writer tag limit in dagster.yaml); without a daemon nothing would dequeue it, so it is handed to the instance's
run launcher directly, the same call the daemon makes when it dequeues a run.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster._core.remote_representation.external import RemoteJob
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import ModuleTarget

from .settings import PROJECT_ROOT

CODE_LOCATION = "orchestration.definitions"
JOB = "build_warehouse"
_POLL_SECONDS = 0.5


@contextmanager
def _output_to(log: Path) -> Iterator[Callable[[str], None]]:
    """Point this process's stdout and stderr (inherited by the code server and the run worker it starts) at
    the log, so the terminal gets the summary rather than every DEBUG line; yield a way to still tell the
    terminal something."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("ab") as handle:
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
    try:
        yield lambda line: os.write(saved[0], f"{line}\n".encode())
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, original in zip((1, 2), saved, strict=True):
            os.dup2(original, fd)
            os.close(original)


def _daemon_dequeues(instance: dg.DagsterInstance) -> bool:
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

    if not isinstance(instance.run_coordinator, QueuedRunCoordinator):
        return False
    daemon = QueuedRunCoordinatorDaemon.daemon_type()
    return instance.get_daemon_statuses([daemon])[daemon].healthy


def _create_run(instance: dg.DagsterInstance, location, job: RemoteJob, tags: Mapping[str, str]) -> dg.DagsterRun:
    """The run as the UI's launch creates it: the job's snapshot, its execution plan and its remote origin."""
    plan = location.get_execution_plan(job, {}, step_keys_to_execute=None, known_state=None, instance=instance)
    return instance.create_run(
        job_name=job.name,
        run_id=None,
        run_config={},
        resolved_op_selection=job.resolved_op_selection,
        step_keys_to_execute=plan.execution_plan_snapshot.step_keys_to_execute,
        op_selection=None,
        status=None,
        root_run_id=None,
        parent_run_id=None,
        tags={**job.tags, **tags},
        job_snapshot=job.job_snapshot,
        execution_plan_snapshot=plan.execution_plan_snapshot,
        parent_job_snapshot=job.parent_job_snapshot,
        remote_job_origin=job.get_remote_origin(),
        job_code_origin=job.get_python_origin(),
        asset_selection=None,
        asset_check_selection=None,
        asset_graph=location.get_repository(job.repository_handle.repository_name).asset_graph,
    )


def launch_and_wait(instance: dg.DagsterInstance, tags: Mapping[str, str], log: Path) -> str:
    """Launch the warehouse job, say how, wait until it ends and return its run id. The code server's and the
    run's output go to `log`; Ctrl-C terminates the run rather than leaving it running."""
    target = ModuleTarget(CODE_LOCATION, None, str(PROJECT_ROOT), None)
    with _output_to(log) as say, WorkspaceProcessContext(instance, target) as process:
        workspace = process.create_request_context()
        location = workspace.get_code_location(CODE_LOCATION)
        (repository,) = location.get_repositories().values()
        run = _create_run(instance, location, repository.get_full_job(JOB), tags)
        if _daemon_dequeues(instance):
            instance.submit_run(run.run_id, workspace)
            say(f"run {run.run_id} queued: the Dagster daemon starts it after any warehouse run before it")
        else:
            instance.launch_run(run.run_id, workspace)
            say(f"run {run.run_id} launched (no Dagster daemon is running to queue it)")
        try:
            while not instance.get_run_by_id(run.run_id).is_finished:
                time.sleep(_POLL_SECONDS)
        except KeyboardInterrupt:
            instance.run_launcher.terminate(run.run_id)
            raise
    return run.run_id
