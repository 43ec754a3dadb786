"""Every dbt model as a Dagster asset. dagster-dbt's default translator keys and groups them from the dbt config
(dbt_project.yml: each layer's schema and meta.dagster.group): [schema, name] (marts/figures), and each source
[source, table], the key of the ingest asset that loads it (raw/figures)."""

import fcntl
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets

from .resources.warehouse_resource import WarehouseResource
from .run_worker import record_worker
from .settings import DBT_PROJECT_DIR, setting, warehouse_path

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# The dbt installed beside this interpreter, so runs work without an activated virtual environment.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))
dbt_resource = DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=DBT_EXECUTABLE)


def _newest_input(project_dir: Path) -> float:
    inputs = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in ("models", "macros", "tests", "seeds"):
        inputs.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return max(p.stat().st_mtime for p in inputs if p.exists())


def _slot(warehouse_name: str) -> Path:
    """The one path dbt builds through, a link to the run's working file. dbt parses the whole project again
    whenever its profile changes, and the profile names the database file: one path keeps partial parsing
    across runs. It carries the warehouse's own file name, which DuckDB makes the catalog name views refer to."""
    return dbt_project.project_dir / "target" / "run" / warehouse_name


def profile_vars(database: Path, memory_limit: str) -> list[str]:
    """dbt's arguments for its profile (profiles.yml): the database file it builds and the DuckDB memory it may
    use. On the command line, so nothing changes this process's environment; the same for every run of a
    warehouse, so dbt's partial parsing holds."""
    return ["--vars", json.dumps({"warehouse_path": str(database), "memory_limit": memory_limit}, sort_keys=True)]


def _clear(slot: Path, warehouse: WarehouseResource) -> None:
    wal = slot.with_name(slot.name + ".wal")
    if slot.is_symlink():
        if wal.exists() and slot.exists():
            # a dbt that died mid-build: DuckDB replays its log into the linked file
            warehouse.files.connect(slot).close()
        slot.unlink()
    wal.unlink(missing_ok=True)


@contextmanager
def _build_through_slot(warehouse: WarehouseResource, working: Path) -> Iterator[list[str]]:
    """Point the slot at `working` for one dbt invocation and yield the profile arguments naming it; dbt
    invocations take turns (a lock beside it)."""
    slot = _slot(working.name)
    slot.parent.mkdir(parents=True, exist_ok=True)
    with open(slot.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _clear(slot, warehouse)
        slot.symlink_to(working)
        try:
            yield profile_vars(slot, warehouse.settings.dbt_memory_limit)
        finally:
            _clear(slot, warehouse)


def prepare_manifest() -> Path:
    """Parse the dbt project when its manifest is missing, older than any model, macro or config, or parsed with
    another profile than runs of this code location use (its warehouse's slot and dbt memory, as the environment
    says; the resource checks them when a run starts, a parse needs neither to be valid), so that their dbt
    invocations parse only what changed. dagster-dbt's own preparer (DbtProject.prepare_if_dev) parses on every
    load and only under `dagster dev`, with a `dbt` found on PATH, which a virtual environment used without
    activating it does not put there; runs and tests need a fresh manifest everywhere."""
    manifest = dbt_project.manifest_path
    profile = profile_vars(_slot(warehouse_path(os.environ).name), setting(os.environ, "DBT_MEMORY_LIMIT"))
    # which parse of the manifest used which profile: a manifest another parse rewrote (dbt run by hand, another
    # checkout of the code) is not vouched for
    parsed_with = manifest.with_name("manifest_profile.json")
    manifest.parent.mkdir(parents=True, exist_ok=True)
    # `dagster dev` loads the code location in several processes at once: one parses, the others find it fresh
    with open(manifest.with_name(".prepare.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (
            not manifest.exists()
            or manifest.stat().st_mtime < _newest_input(dbt_project.project_dir)
            or not parsed_with.exists()
            or json.loads(parsed_with.read_text()) != _parse_record(profile)
        ):
            dbt_resource.cli(["parse", "--quiet", *profile], target_path=dbt_project.target_path).wait()
            parsed_with.write_text(json.dumps(_parse_record(profile)))
    return manifest


def _parse_record(profile: list[str]) -> dict:
    return {"profile": profile, "manifest": dbt_project.manifest_path.stat().st_mtime_ns}


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
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Build and test the dbt models into the warehouse file; dbt tests report as asset checks."""
    # dbt builds into the working file the run's ingest loaded, through the slot its profile arguments name.
    key = record_worker(context)
    working = warehouse.working_copy(key)
    # the ingest decided whether this run rebuilds every document (the incremental models start over) or some
    with warehouse.reading(key) as con:
        mode, reason = con.execute("select mode, reason from ingest.build").fetchone()
    context.log.info(f"dbt build, {mode}: {reason}")
    for stale in _prune_run_targets(dbt_project.project_dir / "target"):
        context.log.info(f"removed dbt's output folder of an earlier run: {stale}")
    # dbt's unit tests check the SQL, not the data: the same on every run, and ~5 s of each build, so the
    # test suite runs them (tests/test_dbt_unit_tests.py), not the pipeline
    args = ["build", "--exclude-resource-type", "unit_test"] + (["--full-refresh"] if mode == "full" else [])
    with _build_through_slot(warehouse, working) as profile:
        yield from dbt.cli([*args, *profile], context=context).stream()
