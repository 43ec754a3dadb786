"""Launch the warehouse job the way the Dagster UI does, and wait for it.

The run is created from the code location `dagster dev -m orchestration.definitions` serves (same location name,
job snapshot and origin as a UI launch), so it shows on the UI's timeline and re-executes like a UI run. With the
daemon running it is submitted to the instance's run queue and waits behind the nightly run or a UI launch (the
writer tag limit in dagster.yaml); without a daemon nothing would dequeue it, so it is handed to the instance's
run launcher directly, the same call the daemon makes when it dequeues a run. A daemon that stops while the run
is queued has the run canceled (so no daemon started later runs it unwatched) and a new one launched directly;
a run the daemon dequeued whose worker died with it (`make dev` stopped takes its runs with it) is ended failed
here, as no daemon's run monitoring is left to do it.
The run carries the launching command's settings as run config, so it works by them wherever it executes.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster._core.launcher import WorkerStatus
from dagster._core.remote_representation.external import RemoteJob
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import ModuleTarget
from dagster._daemon.controller import DEFAULT_HEARTBEAT_INTERVAL_SECONDS, get_daemon_statuses

from .settings import PROJECT_ROOT, setting

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


def silent_daemon_seconds() -> int:
    """DAEMON_SILENT_SECONDS of this process's environment, which `warehouse run` checked before launching."""
    return int(setting(os.environ, "DAEMON_SILENT_SECONDS"))


def _daemon_dequeues(instance: dg.DagsterInstance) -> bool:
    """Whether a daemon dequeues runs now: its last heartbeat is under DAEMON_SILENT_SECONDS old (by default one
    heartbeat missed). Dagster's own health check tolerates 30 minutes more, in which a stopped daemon (`make dev`
    ended or killed) looks healthy."""
    from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

    if not isinstance(instance.run_coordinator, dg.QueuedRunCoordinator):
        return False
    daemon = QueuedRunCoordinatorDaemon.daemon_type()
    statuses = get_daemon_statuses(
        instance,
        [daemon],
        ignore_errors=True,
        heartbeat_interval_seconds=DEFAULT_HEARTBEAT_INTERVAL_SECONDS,
        heartbeat_tolerance_seconds=silent_daemon_seconds() - DEFAULT_HEARTBEAT_INTERVAL_SECONDS,
    )
    return bool(statuses[daemon].healthy)


def _dequeued(instance: dg.DagsterInstance, run_id: str) -> bool:
    """Wait while the run is queued: True once it left the queue, False when the daemon stops with it still there."""
    while instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.QUEUED:
        if not _daemon_dequeues(instance):
            return False
        time.sleep(_POLL_SECONDS)
    return True


def _dead_worker(instance: dg.DagsterInstance, run: dg.DagsterRun) -> str | None:
    """Why the started run `run` can never end on its own (its worker process is gone) when no daemon's run
    monitoring will end it instead; None while it may still end."""
    launcher = instance.run_launcher
    if run.status != dg.DagsterRunStatus.STARTED or not launcher.supports_check_run_worker_health:
        return None
    health = launcher.check_run_worker_health(run)
    # read again after the worker was found gone: a worker records its run's end before it exits
    if health.status != WorkerStatus.FAILED or instance.get_run_by_id(run.run_id).is_finished:
        return None
    return None if _daemon_dequeues(instance) else health.msg


def _wait_until_finished(instance: dg.DagsterInstance, run_id: str, dequeued: bool, say: Callable[[str], None]) -> None:
    """Wait for the run to end. A run this process launched is watched by its own code server, which fails it when
    its worker dies; one the daemon dequeued is watched here too, as the daemon's code server may be gone with it."""
    while not (run := instance.get_run_by_id(run_id)).is_finished:
        if dequeued and (gone := _dead_worker(instance, run)) is not None:
            reason = f"{gone}; no Dagster daemon is running to notice, so `warehouse run` ended the run failed"
            instance.report_run_failed(run, reason)
            say(f"run {run_id}: {reason}")
            return
        time.sleep(_POLL_SECONDS)


def _create_run(
    instance: dg.DagsterInstance, location, job: RemoteJob, tags: Mapping[str, str], run_config: Mapping
) -> dg.DagsterRun:
    """The run as the UI's launch creates it: the job's snapshot, its execution plan and its remote origin."""
    plan = location.get_execution_plan(job, run_config, step_keys_to_execute=None, known_state=None, instance=instance)
    return instance.create_run(
        job_name=job.name,
        run_id=None,
        run_config=run_config,
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


def _launch_instead(instance: dg.DagsterInstance, workspace, queued: str, new_run: Callable[[], str]) -> str:
    """Cancel the queued run `queued`, which no daemon dequeues now and a daemon started later would run with
    nobody waiting for it, and launch a new run directly; return its id."""
    run_id = new_run()
    reason = (
        f"the Dagster daemon stopped (no heartbeat for over {silent_daemon_seconds()} s) while this run was queued; "
        f"`warehouse run` canceled it and launched run {run_id} directly instead"
    )
    instance.report_engine_event(reason, instance.get_run_by_id(queued), engine_event_data=None)
    instance.run_coordinator.cancel_run(queued)
    instance.launch_run(run_id, workspace)
    return run_id


@contextmanager
def _interrupted_by(*signals: signal.Signals) -> Iterator[None]:
    """While inside, each of `signals` interrupts this process as Ctrl-C does (KeyboardInterrupt)."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    saved = {number: signal.signal(number, interrupt) for number in signals}
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def launch_and_wait(instance: dg.DagsterInstance, tags: Mapping[str, str], run_config: Mapping, log: Path) -> str:
    """Launch the warehouse job with `run_config`, say how, wait until it ends and return its run id. The code
    server's and the run's output go to `log`; Ctrl-C, `kill` (SIGTERM) and a closed terminal (SIGHUP) cancel the
    run, queued or running, rather than leaving it to run on without the command that started it."""
    target = ModuleTarget(CODE_LOCATION, None, str(PROJECT_ROOT), None)
    with (
        _interrupted_by(signal.SIGTERM, signal.SIGHUP),
        _output_to(log) as say,
        WorkspaceProcessContext(instance, target) as process,
    ):
        workspace = process.create_request_context()
        location = workspace.get_code_location(CODE_LOCATION)
        (repository,) = location.get_repositories().values()

        def new_run() -> str:
            return _create_run(instance, location, repository.get_full_job(JOB), tags, run_config).run_id

        run_id = new_run()
        try:
            dequeued = _daemon_dequeues(instance)
            if not dequeued:
                instance.launch_run(run_id, workspace)
                say(f"run {run_id} launched (no Dagster daemon is running to queue it)")
            else:
                instance.submit_run(run_id, workspace)
                say(f"run {run_id} queued: the Dagster daemon starts it after any warehouse run before it")
                dequeued = _dequeued(instance, run_id)
                if not dequeued:
                    queued, run_id = run_id, _launch_instead(instance, workspace, run_id, new_run)
                    say(
                        f"the Dagster daemon stopped with run {queued} still queued: canceled it; "
                        f"run {run_id} launched directly"
                    )
            _wait_until_finished(instance, run_id, dequeued, say)
        except KeyboardInterrupt:
            # a queued run leaves the queue (a daemon would start it later); a launched one is terminated
            instance.run_coordinator.cancel_run(run_id)
            raise
    return run_id
