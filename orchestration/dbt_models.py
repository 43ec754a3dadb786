"""Every dbt model as a Dagster asset. dagster-dbt's default translator keys and groups them from the dbt config
(dbt_project.yml: each layer's schema and meta.dagster.group): [schema, name] (marts/figures), and each source
[source, table], the key of the ingest asset that loads it (raw/figures)."""

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from graphlib import TopologicalSorter
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets
from dagster_dbt.asset_utils import (
    DAGSTER_DBT_MANIFEST_METADATA_KEY,
    DAGSTER_DBT_PROJECT_METADATA_KEY,
    DAGSTER_DBT_TRANSLATOR_METADATA_KEY,
    default_description_fn,
)

from .dbt_metadata import Table, described, kept_descriptions, step_events
from .dbt_project import dbt_project, manifest_problem, prepare_manifest, profile_vars, slot
from .dbt_selection import DbtWork
from .resources.dbt_cli import WarehouseDbtResource
from .resources.warehouse_resource import WarehouseResource
from .run_worker import record_worker
from .settings import OWNERS, WRITER_POOL, warehouse_path

if dbt_project.preparer.using_dagster_dev():
    prepare_manifest()  # a reload of `dagster dev` shows an edited model, as dagster-dbt's prepare_if_dev does
elif (problem := manifest_problem()) is not None:
    raise RuntimeError(
        f"dbt's manifest is not prepared: {problem}. `warehouse run` and `warehouse dev` (`make run`, `make dev`) "
        "prepare it before they load the definitions; by hand: `.venv/bin/python -m orchestration.dbt_project`."
    )


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
    link = slot(working.name)
    link.parent.mkdir(parents=True, exist_ok=True)
    with open(link.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _clear(link, warehouse)
        link.symlink_to(working)
        try:
            yield profile_vars(link, warehouse.settings.dbt_memory_limit)
        finally:
            _clear(link, warehouse)


def _prune_run_targets(target: Path, older_than_hours: float = 24) -> list[str]:
    """dagster-dbt gives every run its own folder under target/ (compiled SQL, logs, run results) and never
    removes them; a nightly schedule would grow it without end. Folders a day old belong to finished runs."""
    cutoff = time.time() - older_than_hours * 3600
    stale = [p for p in target.glob("warehouse_models-*") if p.is_dir() and p.stat().st_mtime < cutoff]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return [p.name for p in stale]


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
