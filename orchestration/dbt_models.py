"""Every dbt model as a Dagster asset, keyed by schema, grouped by layer, sources mapped onto the ingest assets."""

import fcntl
import os
import shutil
import sys
import time
import uuid
from collections.abc import Mapping
from contextlib import contextmanager
from functools import cache
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from .dbt_selection import DbtWork
from .ingest.load import connect
from .run_worker import record_worker
from .settings import DBT_PROJECT_DIR
from .warehouse import WarehouseFiles, existing_working_copy

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# The dbt installed beside this interpreter, so runs work without an activated virtual environment.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))
dbt_resource = DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=DBT_EXECUTABLE)


def _newest_input(project_dir: Path) -> float:
    inputs = [project_dir / "dbt_project.yml", project_dir / "profiles.yml", Path(__file__)]
    for folder in ("models", "macros", "tests"):
        inputs.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return max(p.stat().st_mtime for p in inputs if p.exists())


def _slot(warehouse_name: str) -> Path:
    """The one path dbt builds through, a link to the run's working file. dbt parses the whole project again
    whenever its profile changes, and the profile names the database file: one path keeps partial parsing
    across runs. It carries the warehouse's own file name, which DuckDB makes the catalog name views refer to."""
    return dbt_project.project_dir / "target" / "run" / warehouse_name


def _clear(slot: Path) -> None:
    wal = slot.with_name(slot.name + ".wal")
    if slot.is_symlink():
        if wal.exists() and slot.exists():
            connect(slot).close()  # a dbt that died mid-build: DuckDB replays its log into the linked file
        slot.unlink()
    wal.unlink(missing_ok=True)


@contextmanager
def _build_through_slot(working: Path):
    """Point the slot at `working` for one dbt invocation; dbt invocations take turns (a lock beside it)."""
    slot = _slot(working.name)
    slot.parent.mkdir(parents=True, exist_ok=True)
    with open(slot.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _clear(slot)
        slot.symlink_to(working)
        os.environ["DBT_WAREHOUSE_PATH"] = str(slot)
        try:
            yield slot
        finally:
            _clear(slot)


def prepare_manifest(project: DbtProject = dbt_project) -> Path:
    """Parse the dbt project when its manifest is missing or older than any model, macro or config, with the
    profile runs use, so that their dbt invocations parse only what changed."""
    manifest = project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_input(project.project_dir):
        name = Path(os.environ.get("WAREHOUSE_PATH") or "warehouse.duckdb").name
        previous = os.environ.get("DBT_WAREHOUSE_PATH")
        os.environ["DBT_WAREHOUSE_PATH"] = str(_slot(name))
        try:
            dbt_resource.cli(["parse", "--quiet"], target_path=project.target_path).wait()
        finally:
            if previous is None:
                os.environ.pop("DBT_WAREHOUSE_PATH")
            else:
                os.environ["DBT_WAREHOUSE_PATH"] = previous
    return manifest


class WarehouseTranslator(DagsterDbtTranslator):
    """Models keyed [schema, name] (marts/figures); sources keep [raw, table], the ingest assets' keys."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else None


def _prune_run_targets(target: Path, older_than_hours: float = 24) -> list[str]:
    """dagster-dbt gives every run its own folder under target/ (compiled SQL, logs, run results) and never
    removes them; a nightly schedule would grow it without end. Folders a day old belong to finished runs."""
    cutoff = time.time() - older_than_hours * 3600
    stale = [p for p in target.glob("warehouse_models-*") if p.is_dir() and p.stat().st_mtime < cutoff]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return [p.name for p in stale]


prepare_manifest()


TRANSLATOR = WarehouseTranslator()


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=TRANSLATOR)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Build and test what this run's changes reach (dbt_selection.py) into the warehouse file; dbt tests report
    as asset checks. A mart it does not rebuild is reported as kept, so its checks and the publish step run."""
    # dbt builds into the working file the run's ingest loaded; its profile reads the path from the environment.
    files = WarehouseFiles.from_settings()
    key = record_worker(context)
    working = existing_working_copy(files, key)
    state = files.run_dir(key) / "dbt_state"
    with connect(working, read_only=True) as con:
        work = DbtWork.read(con)
        if work.dbt_changed:
            _keep_published_manifest(con, state)
    context.log.info(f"dbt build, {work.mode}: {work.reason}")
    for stale in _prune_run_targets(dbt_project.project_dir / "target"):
        context.log.info(f"removed dbt's output folder of an earlier run: {stale}")
    reported = _KeptMarts()
    commands = work.commands(RAW_SOURCES, state)
    if commands:
        with _build_through_slot(working):
            for args in commands:
                # named as dagster-dbt names a step's folders, which _prune_run_targets removes a day later
                target = (
                    dbt_project.project_dir
                    / "target"
                    / f"{context.op.name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
                )
                invocation = dbt.cli(
                    args, manifest=dbt_project.manifest_path, dagster_dbt_translator=TRANSLATOR, target_path=target
                )
                yield from reported.around(_as_step_events(invocation))
        with connect(working) as con:  # the next run's state:modified compares against this build's manifest
            con.execute(
                "create or replace table ingest.dbt_manifest as select ? as manifest",
                [(target / "manifest.json").read_text(encoding="utf-8")],
            )
    else:
        context.log.info("no model to rebuild: no raw table dbt reads changed, nor the dbt project")
    yield from reported.rest()


class _KeptMarts:
    """A result for every mart the run keeps as published, so that its checks and the publish step run. Dagster
    takes a multi-asset's results in dependency order, so a kept mart is reported just before the first rebuilt
    asset that reads it: dbt builds in dependency order, so a mart not built by then is not rebuilt this run."""

    def __init__(self):
        self.reported: set[dg.AssetKey] = set()

    def around(self, events):
        for event in events:
            if isinstance(event, dg.MaterializeResult):
                yield from self._kept(m for m in MART_KEYS if m in _upstream(event.asset_key))
                self.reported.add(event.asset_key)
            yield event

    def rest(self):
        yield from self._kept(MART_KEYS)

    def _kept(self, marts):
        for mart in marts:  # MART_KEYS is in dependency order
            if mart not in self.reported:
                self.reported.add(mart)
                yield dg.MaterializeResult(
                    asset_key=mart,
                    metadata={"rebuilt_this_run": False, "kept": "as published: nothing it is built from changed"},
                )


def _as_step_events(invocation):
    """dbt's events as this step's. The invocation is given no step context: with one, dagster-dbt adds its own
    selection of every node (--select fqn:*) to the run's, and dbt builds the union; without, it reports
    materializations and check evaluations, which are this multi-asset's results."""
    for event in invocation.stream():
        if isinstance(event, dg.AssetMaterialization):
            yield dg.MaterializeResult(asset_key=event.asset_key, metadata=event.metadata)
        elif isinstance(event, dg.AssetCheckEvaluation):
            yield dg.AssetCheckResult(
                asset_key=event.asset_key,
                check_name=event.check_name,
                passed=event.passed,
                severity=event.severity,
                metadata=event.metadata,
            )
        else:
            yield event


def _keep_published_manifest(con, state: Path) -> None:
    """dbt's --state folder: the published build's manifest, written once per run, so a re-execution compares
    against the same build."""
    manifest = state / "manifest.json"
    if not manifest.exists():
        state.mkdir(parents=True, exist_ok=True)
        manifest.write_text(con.execute("select manifest from ingest.dbt_manifest").fetchone()[0], encoding="utf-8")


@cache
def _upstream(key: dg.AssetKey) -> frozenset[dg.AssetKey]:
    """Every asset `key` is built from, directly or not."""
    direct = warehouse_models.asset_deps.get(key, set())
    return frozenset(direct).union(*(_upstream(d) for d in direct))


RAW_SOURCES = {k.path[1] for k in warehouse_models.dependency_keys if k.path[0] == "raw"}
MART_KEYS = [k for k in TopologicalSorter(warehouse_models.asset_deps).static_order() if k.path[0] == "marts"]
