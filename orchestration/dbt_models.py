"""Every dbt model as a Dagster asset. dagster-dbt's default translator keys and groups them from the dbt config
(dbt_project.yml: each layer's schema and meta.dagster.group): [schema, name] (marts/figures), and each source
[source, table], the key of the ingest asset that loads it (raw/figures)."""

import fcntl
import os
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

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


def _prune_run_targets(target: Path, older_than_hours: float = 24) -> list[str]:
    """dagster-dbt gives every run its own folder under target/ (compiled SQL, logs, run results) and never
    removes them; a nightly schedule would grow it without end. Folders a day old belong to finished runs."""
    cutoff = time.time() - older_than_hours * 3600
    stale = [p for p in target.glob("warehouse_models-*") if p.is_dir() and p.stat().st_mtime < cutoff]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return [p.name for p in stale]


prepare_manifest()


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Build and test the dbt models into the warehouse file; dbt tests report as asset checks."""
    # dbt builds into the working file the run's ingest loaded; its profile reads the path from the environment.
    working = existing_working_copy(WarehouseFiles.from_settings(), record_worker(context))
    # the ingest decided whether this run rebuilds every document (the incremental models start over) or some
    with connect(working, read_only=True) as con:
        mode, reason = con.execute("select mode, reason from ingest.build").fetchone()
    context.log.info(f"dbt build, {mode}: {reason}")
    for stale in _prune_run_targets(dbt_project.project_dir / "target"):
        context.log.info(f"removed dbt's output folder of an earlier run: {stale}")
    # dbt's unit tests check the SQL, not the data: the same on every run, and ~5 s of each build, so the
    # test suite runs them (tests/test_dbt_unit_tests.py), not the pipeline
    args = ["build", "--exclude-resource-type", "unit_test"] + (["--full-refresh"] if mode == "full" else [])
    with _build_through_slot(working):
        yield from dbt.cli(args, context=context).stream()
