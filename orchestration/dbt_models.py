"""Every dbt model as a Dagster asset. dagster-dbt's default translator keys and groups them from the dbt config
(dbt_project.yml: each layer's schema and meta.dagster.group): [schema, name] (marts/figures), and each source
[source, table], the key of the ingest asset that loads it (raw/figures)."""

import fcntl
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from graphlib import TopologicalSorter
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject, dbt_assets
from dagster_dbt.asset_utils import (
    DAGSTER_DBT_MANIFEST_METADATA_KEY,
    DAGSTER_DBT_PROJECT_METADATA_KEY,
    DAGSTER_DBT_TRANSLATOR_METADATA_KEY,
    default_description_fn,
)

from .dbt_metadata import Table, described, kept_descriptions, step_events
from .dbt_selection import DbtWork
from .resources.dbt_cli import WarehouseDbtResource
from .resources.warehouse_resource import WarehouseResource
from .run_worker import record_worker
from .settings import DBT_PROJECT_DIR, OWNERS, WRITER_POOL, setting, warehouse_path

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# The dbt installed beside this interpreter, so runs work without an activated virtual environment.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))
dbt_resource = WarehouseDbtResource(
    project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=DBT_EXECUTABLE
)


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


# What dagster-dbt attaches to every spec for its own helpers (build_dbt_asset_selection, dbt.cli with a step
# context), none of which this project calls: the UI shows each as "[DbtProject] (unserializable)" and the like.
_PYTHON_OBJECTS = {
    DAGSTER_DBT_MANIFEST_METADATA_KEY,
    DAGSTER_DBT_TRANSLATOR_METADATA_KEY,
    DAGSTER_DBT_PROJECT_METADATA_KEY,
}


class _Translator(DagsterDbtTranslator):
    """dagster-dbt's default translator with each node's yml description alone (the SQL is one click away, as a
    code reference to its file, instead of pasted under every description), the project's owner, and the
    published warehouse as every model's storage."""

    def get_description(self, dbt_resource_props) -> str:
        return default_description_fn(dbt_resource_props, display_raw_sql=False)

    def get_owners(self, dbt_resource_props) -> list[str]:
        return list(OWNERS)

    def get_metadata(self, dbt_resource_props) -> dict:
        """dagster-dbt names a table in the catalog of the file dbt's profile named when the manifest was parsed
        (dev.marts.figures when dbt ran by hand); SQL users open the published file, whose catalog is its name."""
        published = warehouse_path(os.environ)
        name = dbt_resource_props.get("alias") or dbt_resource_props["identifier"]  # a source has no alias
        return {
            **super().get_metadata(dbt_resource_props),
            "dagster/table_name": f"{published.stem}.{dbt_resource_props['schema']}.{name}",
            "published_file": dg.MetadataValue.path(str(published)),
        }

    def get_asset_spec(self, manifest, unique_id, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        return spec.replace_attributes(metadata={k: v for k, v in spec.metadata.items() if k not in _PYTHON_OBJECTS})


_TRANSLATOR = _Translator(settings=DagsterDbtTranslatorSettings(enable_code_references=True))


@dbt_assets(
    manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=_TRANSLATOR, pool=WRITER_POOL
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: WarehouseDbtResource, warehouse: WarehouseResource):
    """Build and test what this run's changes reach (dbt_selection.py) into the warehouse file; dbt tests report
    as asset checks. A mart it does not rebuild is reported as kept, so its checks and the publish step run."""
    # dbt builds into the working file the run's ingest loaded, through the slot its profile arguments name.
    key = record_worker(context, warehouse.settings)
    working = warehouse.working_copy(key)
    state = warehouse.files.run_dir(key) / "dbt_state"
    with warehouse.reading(key) as con:
        work = DbtWork.read(con)
        descriptions = kept_descriptions(con)
        if work.dbt_changed:
            _keep_published_manifest(con, state)
    context.log.info(f"dbt build, {work.mode}: {work.reason}")
    for stale in _prune_run_targets(dbt_project.project_dir / "target"):
        context.log.info(f"removed dbt's output folder of an earlier run: {stale}")
    reported = _KeptMarts()
    commands = work.commands(RAW_SOURCES, state)
    if commands:
        with _build_through_slot(warehouse, working) as profile:
            for args in commands:
                # named as dagster-dbt names a step's folders, which _prune_run_targets removes a day later
                target = (
                    dbt_project.project_dir
                    / "target"
                    / f"{context.op.name}-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
                )
                invocation = dbt.cli([*args, *profile], manifest=dbt_project.manifest_path, target_path=target)
                events = reported.around(step_events(invocation, descriptions))
                yield from described(events, descriptions, TABLES)
        with warehouse.files.connect(working) as con:  # the next run's state:modified compares against this build
            con.execute(
                "create or replace table ingest.dbt_manifest as select ? as manifest",
                [(target / "manifest.json").read_text(encoding="utf-8")],
            )
    else:
        context.log.info("no model to rebuild: no raw table dbt reads changed, nor the dbt project")
    yield from described(reported.rest(), descriptions, TABLES)
    yield from reported.tests_kept(context.selected_asset_check_keys)


class _KeptMarts:
    """A result for every mart the run keeps as published, so that its checks and the publish step run. Dagster
    takes a multi-asset's results in dependency order, so a kept mart is reported just before the first rebuilt
    asset that reads it: dbt builds in dependency order, so a mart not built by then is not rebuilt this run.
    And a result for each dbt test of a model the run keeps, which dbt did not run: Dagster would otherwise count
    it, when the run fails later (a blocking check refuses the publish), as a test that failed to execute."""

    def __init__(self):
        self.reported: set[dg.AssetKey] = set()
        self.rebuilt: set[dg.AssetKey] = set()
        self.checked: set[dg.AssetCheckKey] = set()

    def around(self, events):
        for event in events:
            if isinstance(event, dg.MaterializeResult):
                yield from self._kept(m for m in MART_KEYS if m in _upstream(event.asset_key))
                self.reported.add(event.asset_key)
                self.rebuilt.add(event.asset_key)
            elif isinstance(event, dg.AssetCheckResult):
                self.checked.add(dg.AssetCheckKey(event.asset_key, event.check_name))
            yield event

    def tests_kept(self, planned: set[dg.AssetCheckKey]):
        """Every dbt test dbt built the run has passes (a test's failure fails `dbt build`), so a test of a kept
        model passed when its model was built, and nothing it reads has changed since."""
        for key in sorted(planned - self.checked, key=lambda k: k.to_user_string()):
            if key.asset_key not in self.rebuilt:
                yield dg.AssetCheckResult(
                    asset_key=key.asset_key,
                    check_name=key.name,
                    passed=True,
                    metadata={"ran_this_run": False, "kept": "as published: its model was not rebuilt this run"},
                )

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


def _tables() -> dict[dg.AssetKey, Table]:
    """Each dbt asset's relation, as dbt names it (schema and alias; the asset key only happens to match)."""
    nodes = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))["nodes"].values()
    return {
        _TRANSLATOR.get_asset_key(node): Table(
            node["schema"], node["alias"], {name: column.get("description") for name, column in node["columns"].items()}
        )
        for node in nodes
        if node["resource_type"] in ("model", "seed", "snapshot")
    }


TABLES = _tables()
RAW_SOURCES = {k.path[1] for k in warehouse_models.dependency_keys if k.path[0] == "raw"}
MART_KEYS = [k for k in TopologicalSorter(warehouse_models.asset_deps).static_order() if k.path[0] == "marts"]
