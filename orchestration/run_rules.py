"""Which runs may start. A run builds the whole warehouse and publishes it, continues a failed build from where it
stopped, or regenerates the report site from the published warehouse; anything else would build part of the
warehouse into a working file nothing publishes, so it is refused before any step, with what to press instead.

The rule is applied where each kind of launch passes: the run coordinator (orchestration/dagster.yaml) refuses a
run the UI, the schedule or `make run` submits before it is queued; a run started in-process (`dagster job
execute`, `dagster asset materialize`) is refused by its first step, before any work.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import dagster as dg
from dagster._check import CheckError

from .settings import Settings

INGEST_STEP = "ingest_sources"
PUBLISH_STEP = "publish"
REPORT_STEP = "report_site"
REPORT_KEY = dg.AssetKey([REPORT_STEP])

WHAT_TO_PRESS = (
    'To build and publish, press "Materialize all" on the Lineage page (Assets > Lineage, with nothing '
    "selected) or on the build_warehouse job's page (Jobs > build_warehouse), or run `make run`; to regenerate the "
    "report site alone, materialize report_site."
)


class RunRefused(Exception):
    """A run that would not publish what it builds; the message says why and what to press instead."""


def refusal(
    run: dg.DagsterRun,
    all_assets: Collection[dg.AssetKey],
    all_checks: Collection[dg.AssetCheckKey],
) -> str | None:
    """Why `run` may not start (None: it may), from its selection and steps alone."""
    # no asset selection (None, or empty beside no check selection, as execute_in_process records it): the whole job
    whole_job = run.asset_selection is None or (not run.asset_selection and run.asset_check_selection is None)
    assets = set(all_assets) if whole_job else set(run.asset_selection)
    checks = set(run.asset_check_selection) if run.asset_check_selection is not None else set(all_checks)
    steps = set(run.step_keys_to_execute) if run.step_keys_to_execute is not None else None
    if assets == {REPORT_KEY} and not checks:
        return None  # the report site is read from the published warehouse
    missing = sorted(k.to_user_string() for k in set(all_assets) - assets)
    missing += sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in set(all_checks) - checks)
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        return (
            f"refused before any step: this run leaves out {shown}, and the warehouse is published only whole "
            f"(every source ingested, every model built, every check run). {WHAT_TO_PRESS}"
        )
    if steps is None or INGEST_STEP in steps:
        return None  # a whole build (a re-execution of everything is a new build)
    if run.parent_run_id is None:
        return f"refused before any step: this run skips the ingest of the sources. {WHAT_TO_PRESS}"
    if PUBLISH_STEP not in steps and not steps <= {REPORT_STEP}:
        return (
            f"refused before any step: this re-execution of run {run.root_run_id} stops before the publish step, "
            "so what it builds would never be published; re-execute from failure, or from a step with everything "
            f"after it. {WHAT_TO_PRESS}"
        )
    return None


def continuation_problem(root_run_id: str, working: Path, sources_dir: Path, changed: list[str]) -> str | None:
    """Why a re-execution cannot continue its root run's build: its working file is gone, or the sources changed
    since the root run ingested them (`changed`: those files)."""
    if not working.exists():
        return (
            f"refused before any step: run {root_run_id}'s working warehouse {working} is gone (a later run "
            f"removed it, or the run never ingested). Start a new run instead of re-executing this one. {WHAT_TO_PRESS}"
        )
    if changed:
        shown = ", ".join(changed[:10]) + (f" and {len(changed) - 10} more" if len(changed) > 10 else "")
        return (
            f"refused before any step: the sources changed since run {root_run_id} ingested them ({shown} in "
            f"{sources_dir}); a re-execution continues that run's build from the rows it ingested then, so it would "
            f"check the old rows again. Start a new run to build from the sources as they are now. {WHAT_TO_PRESS}"
        )
    return None


class WarehouseRunCoordinator(dg.QueuedRunCoordinator):
    """Dagster's queued run coordinator, which first refuses a run `refusal` refuses: the run ends canceled, before
    any step, with the reason in its event log, and the published warehouse and its assets stay as they are."""

    def submit_run(self, context: dg.SubmitRunContext) -> dg.DagsterRun:
        run = context.dagster_run
        reason = _reason_for(run, context.workspace)
        if reason is None:
            self._register_pools(run)
            return super().submit_run(context)
        self._instance.report_engine_event(reason, run, engine_event_data=None)
        self._instance.report_run_canceled(run, message=reason)
        return self._instance.get_run_by_id(run.run_id)

    def _register_pools(self, run: dg.DagsterRun) -> None:
        """Give the run's pools their limit (dagster.yaml's default_limit) before it is queued: the queue's
        daemon only limits a pool its storage knows, and registers a new one only after letting the first run
        that names it through, even while another run of that pool is in progress (one started in-process)."""
        pools = set(run.run_op_concurrency.all_pools or []) if run.run_op_concurrency else set()
        storage = self._instance.event_log_storage
        for pool in pools - storage.get_concurrency_keys():
            storage.initialize_concurrency_limit_to_default(pool)


def _reason_for(run: dg.DagsterRun, workspace) -> str | None:
    origin = run.remote_job_origin
    if origin is None:
        return None
    location = workspace.get_code_location(origin.location_name)
    return _judged(run, location.get_repository(origin.repository_origin.repository_name).asset_graph)


def _judged(run: dg.DagsterRun, graph, settings: Settings | None = None) -> str | None:
    """Why `run` may not start, against the code location's asset graph: its selection, then, for a run that
    continues another's build, that build's working file and sources."""
    reason = refusal(run, graph.materializable_asset_keys, graph.asset_check_keys)
    if reason is None and continues_root_build(run):
        reason = _continuation_reason(run, settings)
    return reason


def continues_root_build(run: dg.DagsterRun) -> bool:
    """A re-execution that skips the ingest continues its root run's build; one that ingests is a new build."""
    steps = run.step_keys_to_execute
    return run.root_run_id is not None and steps is not None and INGEST_STEP not in steps


def _continuation_reason(run: dg.DagsterRun, settings: Settings | None = None) -> str | None:
    from .ingest.fingerprints import changed_since
    from .warehouse import WarehouseFiles

    settings = settings or Settings.from_env()
    files = WarehouseFiles.from_settings(settings)
    working = files.working(run.root_run_id)
    changed = changed_since(files.connect, working, settings.sources_dir) if working.exists() else []
    return continuation_problem(run.root_run_id, working, settings.sources_dir, changed)


def check_run(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext, settings: Settings) -> None:
    """The same rule for a run no coordinator saw (started in-process): raise before the step does any work."""
    run = context.run
    # a selection is judged against the code location's graph (the job of a selection holds the selection only);
    # a run of assets passed to dg.materialize has no code location, and its job holds every asset passed
    try:
        graph = context.repository_def.asset_graph
    except CheckError:
        graph = context.job_def.asset_layer.asset_graph
    if (reason := _judged(run, graph, settings)) is not None:
        raise RunRefused(reason)
