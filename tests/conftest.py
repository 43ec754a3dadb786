"""Shared fixtures: real DuckDB files, the real dbt CLI, the real Dagster job, on temporary paths."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SOURCES = PROJECT_ROOT / "sources"
SHARED_SEEDS = (PROJECT_ROOT.parent / "shared" / "seeds").resolve()


def pytest_configure(config):
    """Set-up before any test imports the Dagster definitions, as `make setup` does: dbt's manifest."""
    from orchestration.dbt_project import prepare_manifest

    prepare_manifest()


# The document texts are not committed: runs find them in ../shared/seeds (the settings' default) unless a test
# says otherwise; tests that check against the texts name this folder.

# The modules that take longest (a real `make run`, a daemon, a browser, a build of their own), roughly longest
# first as `make test --durations` measured them. pytest-xdist hands a worker a whole module at a time in
# collection order (`--no-loadscope-reorder`; its default orders by test count, which left these few-test modules
# to the end): they start first and the short modules fill in around them, rather than one running alone last.
LONGEST_FIRST = (
    "test_launch_queue.py",
    "test_newcomer.py",
    "test_operations.py",
    "test_incremental.py",
    "test_run_verdict.py",
    "test_reconciliation.py",
    "test_fault_injection.py",
    "test_dagster_ui.py",
    "test_runs.py",
    "test_derived_checks.py",
    "test_input_faults.py",
    "test_dev_stops.py",
    "test_webserver.py",
    "test_report_site.py",
    "test_publish_faults.py",
    "test_coverage.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each module's tests keep their order


def read_rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_rows(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def drop_row(path: Path, column: str, value: str) -> None:
    """Remove the one row of a source file whose `column` is `value`."""
    fields, rows = read_rows(path)
    kept = [row for row in rows if row[column] != value]
    assert len(kept) == len(rows) - 1, (path, column, value)
    write_rows(path, fields, kept)


def copy_sources(target: Path) -> Path:
    """A writable copy of sources/ for tests that break it on purpose."""
    return Path(shutil.copytree(SOURCES, target / "sources"))


def build(monkeypatch: pytest.MonkeyPatch, workdir: Path, sources_dir: Path = SOURCES, dbt_project: Path | None = None):
    """Run the full build_warehouse job in-process against a warehouse under `workdir`; dbt runs `dbt_project`,
    a copy of the project, when given."""
    from orchestration.definitions import defs

    monkeypatch.setenv("SOURCES_DIR", str(sources_dir))
    monkeypatch.setenv("WAREHOUSE_PATH", str(workdir / "warehouse.duckdb"))
    monkeypatch.setenv("DATA_DIR", str(workdir / "data"))
    environment = dict(os.environ)
    # built after the environment is set, as a code location loads: the warehouse resource names what is set
    definitions = defs()
    if dbt_project is not None:
        import dagster as dg

        from orchestration.dbt_project import DBT_EXECUTABLE
        from orchestration.resources.dbt_cli import WarehouseDbtResource

        dbt = WarehouseDbtResource(
            project_dir=str(dbt_project), profiles_dir=str(dbt_project), dbt_executable=DBT_EXECUTABLE
        )
        definitions = dg.Definitions(
            assets=definitions.assets,
            asset_checks=definitions.asset_checks,
            jobs=definitions.jobs,
            resources={**definitions.resources, "dbt": dbt},
        )
    result = definitions.resolve_job_def("build_warehouse").execute_in_process(raise_on_error=False)
    changed = {k for k in environment.keys() | os.environ.keys() if environment.get(k) != os.environ.get(k)}
    assert not changed, f"the run changed the process environment: {sorted(changed)}"
    return result


def check_results(result) -> dict[str, bool]:
    return {
        e.event_specific_data.check_name: e.event_specific_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


@dataclass(frozen=True)
class StoredRun:
    """A finished in-process run as the tests read it: its events, stored with Dagster's own serializer so that
    every pytest-xdist worker reads the run one of them made."""

    run_id: str
    success: bool
    all_events: list

    @classmethod
    def of(cls, result) -> StoredRun:
        return cls(result.run_id, result.success, list(result.all_events))

    def save(self, path: Path) -> None:
        import dagster as dg

        path.write_text(dg.serialize_value([self.run_id, self.success, self.all_events]), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> StoredRun:
        import dagster as dg

        return cls(*dg.deserialize_value(path.read_text(encoding="utf-8")))

    def asset_materializations_for_node(self, node: str) -> list:
        return [
            e.event_specific_data.materialization
            for e in self.all_events
            if e.is_step_materialization and e.node_name == node
        ]


def made_once(tmp_path_factory, name: str, make) -> tuple[StoredRun, Path]:
    """A session fixture's run, made by the first pytest-xdist worker that asks for it (in the folder all workers
    share, under a lock) and read by the others, instead of once per worker. `make(workdir)` runs it and returns
    the result; a run that raised is made again by the next worker that asks."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    workdir, stored = root / name, root / name / "run.json"
    with FileLock(root / f"{name}.lock"):
        if not stored.exists():
            shutil.rmtree(workdir, ignore_errors=True)
            workdir.mkdir()
            StoredRun.of(make(workdir)).save(stored)
    return StoredRun.load(stored), workdir


@pytest.fixture(scope="session")
def built_run(tmp_path_factory) -> tuple[StoredRun, Path]:
    """The real sources built once into a temporary warehouse, shared by read-only tests: the run's events and
    the warehouse it published."""

    def make(workdir: Path):
        with pytest.MonkeyPatch.context() as mp:
            result = build(mp, workdir)
        assert result.success, [str(e.message) for e in result.all_events if e.is_failure]
        return result

    result, workdir = made_once(tmp_path_factory, "built", make)
    return result, workdir / "warehouse.duckdb"


@pytest.fixture(scope="session")
def built_warehouse(built_run) -> Path:
    return built_run[1]


@pytest.fixture(scope="session")
def unaccounted_run(tmp_path_factory, built_warehouse) -> tuple[StoredRun, Path, str]:
    """A run over a copy of the session's published warehouse, of sources where a printed number lost the
    not_figures entry that accounted for it and a register entry is gone: document_coverage and claim_register
    fail. The run's events, the published file, and its sha256 before the run."""
    before = hashlib.sha256(built_warehouse.read_bytes()).hexdigest()

    def make(workdir: Path):
        sources = copy_sources(workdir)
        drop_row(sources / "not_figures" / "ningbo_paper.csv", "printed", "19th National Congress")
        drop_row(sources / "discrepancy_register.csv", "claim_id", "ningbo_c045")
        shutil.copy(built_warehouse, workdir / "warehouse.duckdb")
        with pytest.MonkeyPatch.context() as mp:
            return build(mp, workdir, sources)

    result, workdir = made_once(tmp_path_factory, "unaccounted", make)
    return result, workdir / "warehouse.duckdb", before
