"""Runs launched from the UI, by the schedule (which skips a night with nothing changed) or twice, and the
published file's safety: re-execution from failure continues its own build, a run never publishes over a newer
warehouse, history holds only published states, and damage is detected, never copied on or restored."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from conftest import SOURCES, copy_sources, read_rows, write_rows
from orchestration.ingest import changes
from orchestration.ingest.validate import validate_run
from orchestration.resources.connections import connect
from orchestration.warehouse import (
    WarehouseError,
    WarehouseFiles,
    history_lines,
    publish,
    restore,
    snapshots,
    start_working_copy,
    verify_snapshot,
)


def build_job():
    """The build_warehouse job, for Dagster's reconstructable (re-execution needs a job it can rebuild)."""
    from orchestration.definitions import defs

    return defs().resolve_job_def("build_warehouse")


def _state(files: WarehouseFiles, key: str, n: int) -> None:
    with connect(start_working_copy(files, key)) as con:
        con.execute("create or replace table t as select ? as n, range as r from range(20000)", [n])


def _published_n(files: WarehouseFiles) -> int:
    with duckdb.connect(str(files.published), read_only=True) as con:
        return con.execute("select any_value(n) from t").fetchone()[0]


def test_a_run_never_publishes_over_a_newer_warehouse(tmp_path):
    files = WarehouseFiles(tmp_path / "warehouse.duckdb")
    _state(files, "older", 1)  # both start from the same (empty) state
    _state(files, "newer", 2)
    publish(files, "newer", keep=5)
    with pytest.raises(WarehouseError, match="not published: .* was replaced by run newer after run older started"):
        publish(files, "older", keep=5)
    assert _published_n(files) == 2
    assert not files.run_dir("older").exists(), "a run that can no longer publish leaves no working copy"
    assert [p.stem.split("_", 1)[1] for p in snapshots(files)] == ["newer"]


def test_history_lists_only_published_states(tmp_path, monkeypatch):
    files = WarehouseFiles(tmp_path / "warehouse.duckdb")
    _state(files, "first", 1)
    publish(files, "first", keep=5)
    _state(files, "killed", 2)
    real_replace = __import__("os").replace

    def killed_at_the_swap(source, target):
        if Path(target) == files.published:
            raise KeyboardInterrupt("killed between the history link and the swap")
        return real_replace(source, target)

    monkeypatch.setattr("orchestration.warehouse.os.replace", killed_at_the_swap)
    with pytest.raises(KeyboardInterrupt):
        publish(files, "killed", keep=5)
    monkeypatch.undo()
    assert [line.split("\t")[1] for line in history_lines(files)] == ["run first"]
    _state(files, "next", 3)
    publish(files, "next", keep=5)
    assert [line.split("\t")[1] for line in history_lines(files)] == ["run first", "run next"]
    assert not list(files.history_dir.glob(".pending-*"))


def test_damage_is_detected_and_never_restored(tmp_path):
    files = WarehouseFiles(tmp_path / "warehouse.duckdb")
    _state(files, "run0", 0)
    publish(files, "run0", keep=5)
    assert snapshots(files)[0].stat().st_ino != files.published.stat().st_ino, "the first snapshot is a copy"
    _state(files, "run1", 1)
    publish(files, "run1", keep=5)
    first, newest = snapshots(files)
    assert first.stat().st_ino != files.published.stat().st_ino, "one kept state never shares the published file"
    assert newest.stat().st_ino == files.published.stat().st_ino
    with files.published.open("r+b") as handle:  # damage in place: the newest snapshot is the same inode
        handle.seek(files.published.stat().st_size // 2)
        handle.write(b"\xde\xad\xbe\xef" * 64)
    with pytest.raises(WarehouseError) as caught:
        start_working_copy(files, "run2")
    message = str(caught.value)
    assert "is damaged" in message and f"warehouse restore {first.name}" in message
    assert verify_snapshot(newest) is not None and verify_snapshot(first) is None
    with pytest.raises(WarehouseError, match=f"not restored: snapshot {newest.name} is damaged"):
        restore(files, "run1")
    restore(files, "run0")
    assert _published_n(files) == 0
    start_working_copy(files, "run3")  # runs go on from the restored state


def test_an_unreadable_published_file_says_what_to_do(tmp_path):
    files = WarehouseFiles(tmp_path / "warehouse.duckdb")
    files.published.write_bytes(b"not a database" * 1000)
    with pytest.raises(WarehouseError, match="is unreadable .* no verified snapshot is kept: move .* away"):
        start_working_copy(files, "run0")


def _as_built_by_this_code(warehouse: Path) -> None:
    """Record this code's hashes as what `warehouse` was built from, whatever else is being edited meanwhile."""
    with duckdb.connect(str(warehouse)) as con:
        code = changes.code_hashes()
        con.execute(
            "update ingest.build set ingest_hash = ?, dbt_hash = ?, check_hash = ?",
            [code.ingest, code.dbt, code.checks],
        )
        con.executemany("update ingest.suites set sha256 = ? where suite = ?", [(h, n) for n, h in code.suites.items()])


def test_the_nightly_tick_starts_no_run_when_nothing_changed(tmp_path, monkeypatch, built_warehouse):
    from orchestration.resources.warehouse_resource import WarehouseResource
    from orchestration.schedules import nightly_build

    published = tmp_path / "pub" / "warehouse.duckdb"
    published.parent.mkdir()
    _as_built_by_this_code(Path(shutil.copy(built_warehouse, published)))
    monkeypatch.setenv("WAREHOUSE_PATH", str(published))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))

    def tick():
        with dg.build_schedule_context(resources={"warehouse": WarehouseResource.from_env()}) as context:
            return nightly_build(context)

    skipped = tick()
    assert isinstance(skipped, dg.SkipReason), skipped
    assert skipped.skip_message == (
        "nothing changed since the published build (sources, dbt project, suites, check code): "
        f"{published} stays as it is"
    )
    sources = copy_sources(tmp_path)
    fields, rows = read_rows(sources / "reference_origins.csv")
    rows[0]["licence"] = "CC BY 4.0"
    write_rows(sources / "reference_origins.csv", fields, rows)
    monkeypatch.setenv("SOURCES_DIR", str(sources))
    assert isinstance(tick(), dg.RunRequest), "a changed catalogue is built that night"
    monkeypatch.setenv("SOURCES_DIR", str(SOURCES))
    published.unlink()
    assert isinstance(tick(), dg.RunRequest), "nothing published yet"


def test_a_changed_suite_revalidates_every_row_and_rebuilds_nothing(tmp_path, monkeypatch, built_warehouse):
    baseline = Path(shutil.copy(built_warehouse, tmp_path / "baseline.duckdb"))
    suites = Path(shutil.copytree(changes.EXPECTATIONS_DIR, tmp_path / "expectations"))
    monkeypatch.setattr(changes, "EXPECTATIONS_DIR", suites)
    _as_built_by_this_code(baseline)
    assert validate_run(SOURCES, None, baseline)[0].rebuilds_nothing, "a copy of the same suites is no change"
    path = suites / "figures_fidelity.json"
    original = path.read_text()
    path.write_text(original.replace('"blocking": true', '"blocking": false'))
    plan, read = validate_run(SOURCES, None, baseline)
    assert (plan.mode, plan.suites_every_row, plan.documents, plan.changed_sources) == (
        "incremental",
        {"figures_fidelity"},
        frozenset(),
        frozenset(),
    )
    assert plan.reason == "suites changed, re-validating every row: figures_fidelity"
    assert read["figures"] == 0
    path.write_text(original)
    assert validate_run(SOURCES, None, baseline)[0].rebuilds_nothing
    query = suites / "figure_ranges.sql"
    query.write_text(query.read_text().replace("value - floor(value)", "value % 1"))
    plan = validate_run(SOURCES, None, baseline)[0]
    assert plan.suites_every_row == {"figure_ranges"}, "a suite's SQL is part of the suite"


def build_job_on_dbt_copy():
    """The build_warehouse job with dbt building the copy of the dbt project DBT_PROJECT_COPY names, for Dagster's
    reconstructable."""
    from orchestration.dbt_project import DBT_EXECUTABLE
    from orchestration.definitions import defs
    from orchestration.resources.dbt_cli import WarehouseDbtResource

    project = os.environ["DBT_PROJECT_COPY"]
    definitions = defs()
    return dg.Definitions(
        assets=definitions.assets,
        asset_checks=definitions.asset_checks,
        jobs=definitions.jobs,
        resources={
            **definitions.resources,
            "dbt": WarehouseDbtResource(project_dir=project, profiles_dir=project, dbt_executable=DBT_EXECUTABLE),
        },
        executor=dg.in_process_executor,
    ).resolve_job_def("build_warehouse")


def test_reexecution_from_failure_publishes_what_its_run_ingested(tmp_path, monkeypatch, built_warehouse):
    sources = copy_sources(tmp_path)
    fields, rows = read_rows(sources / "figures" / "dalian_blog_2009.csv")
    rows[1].update(stated_text="US $41 billion", value="41")
    write_rows(sources / "figures" / "dalian_blog_2009.csv", fields, rows)
    files = WarehouseFiles(tmp_path / "pub" / "warehouse.duckdb")
    files.published.parent.mkdir()
    shutil.copy(built_warehouse, files.published)
    for name, value in (
        ("SOURCES_DIR", sources),
        ("WAREHOUSE_PATH", files.published),
        ("DATA_DIR", tmp_path / "data"),
        ("DOCUMENTS_DIR", ""),
    ):
        monkeypatch.setenv(name, str(value))
    # dbt fails after the ingest loaded the changed figure: a model of its project (a copy), still reading what it
    # reads, joins a table no one made, until it is mended
    project = shutil.copytree(
        changes.DBT_PROJECT_DIR, tmp_path / "dbt", ignore=shutil.ignore_patterns("target", "logs")
    )
    model = Path(project) / "models" / "intermediate" / "int_figure_intervals.sql"
    mended = model.read_text()
    model.write_text(mended.replace(" as f\n", " as f, no_such_table\n", 1))
    monkeypatch.setenv("DBT_PROJECT_COPY", str(project))
    job = dg.reconstructable(build_job_on_dbt_copy)
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        first = dg.execute_job(job, instance, raise_on_error=False)
        assert {e.step_key for e in first.all_events if e.is_step_failure} == {"warehouse_models"}
        model.write_text(mended)
        folder = files.run_dir(first.run_id)
        aside = folder.rename(tmp_path / "aside")
        gone = dg.execute_job(
            job,
            instance,
            raise_on_error=False,
            reexecution_options=dg.ReexecutionOptions.from_failure(first.run_id, instance),
        )
        assert not gone.success
        failure = next(e for e in gone.all_events if e.is_step_failure)
        assert f"run {first.run_id}'s working warehouse {files.working(first.run_id)} is gone" in str(
            failure.event_specific_data.error
        )
        aside.rename(folder)
        # an edit after the first run ingested: the re-execution would check the old rows, so it is refused first
        edited = sources / "figures" / "dalian_blog_2009.csv"
        kept = edited.read_bytes()
        edited.write_bytes(kept.replace(b"US $41 billion", b"US $42 billion"))
        stale = dg.execute_job(
            job,
            instance,
            raise_on_error=False,
            reexecution_options=dg.ReexecutionOptions.from_failure(gone.run_id, instance),
        )
        assert not stale.success
        (refused,) = [e for e in stale.all_events if e.is_step_failure]
        assert refused.step_key == "warehouse_models", "refused by its first step, before dbt ran"
        message = str(refused.event_specific_data.error)
        assert f"the sources changed since run {first.run_id} ingested them (figures/dalian_blog_2009.csv in" in message
        assert "Start a new run" in message
        edited.write_bytes(kept)
        again = dg.execute_job(
            job,
            instance,
            raise_on_error=False,
            reexecution_options=dg.ReexecutionOptions.from_failure(stale.run_id, instance),
        )
        assert again.success
        assert "ingest_sources" not in {e.step_key for e in again.all_events if e.is_step_success}
    with duckdb.connect(str(files.published), read_only=True) as con:
        printed = {
            t
            for (t,) in con.execute(
                "select stated_text from marts.figures where document_id = 'dalian_blog_2009'"
            ).fetchall()
        }
    assert "US $41 billion" in printed, "the re-execution published the build its first run ingested"
    assert not files.runs_dir.exists() or not any(files.runs_dir.iterdir())


def test_a_missing_number_in_failed_rows_is_written_as_null(tmp_path):
    from orchestration.checks.gx_suites import _jsonable
    from orchestration.warehouse import write_json

    failed = _jsonable({"failed_rows": [{"share": float("nan"), "usd": float("inf")}]})
    write_json(tmp_path / "suite.json", failed)
    assert json.loads((tmp_path / "suite.json").read_text()) == {"failed_rows": [{"share": None, "usd": None}]}
    with pytest.raises(ValueError):
        write_json(tmp_path / "raw.json", {"share": float("nan")})


def test_a_refused_publish_leaves_no_check_that_did_not_run_as_failed(tmp_path, monkeypatch, built_warehouse):
    """A run refused by a blocking check fails; Dagster counts a check it planned and never evaluated in a failed
    run as a check that failed to execute. dbt's tests of the models the run kept are reported as kept, so only
    the check that refused is red."""
    sources = copy_sources(tmp_path)
    fields, rows = read_rows(sources / "discrepancy_register.csv")
    write_rows(sources / "discrepancy_register.csv", fields, [r for r in rows if r["claim_id"] != "dalian_c001"])
    published = tmp_path / "pub" / "warehouse.duckdb"
    published.parent.mkdir()
    _as_built_by_this_code(Path(shutil.copy(built_warehouse, published)))
    # every variable the tests before it in this process set: a reconstructable job's definitions are built once
    # per process, with an EnvVar for each variable set then
    for name, value in (
        ("SOURCES_DIR", sources),
        ("WAREHOUSE_PATH", published),
        ("DATA_DIR", tmp_path / "data"),
        ("DOCUMENTS_DIR", ""),
        ("DBT_MEMORY_LIMIT", "2.5GB"),
    ):
        monkeypatch.setenv(name, str(value))
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        run = dg.execute_job(dg.reconstructable(build_job), instance, raise_on_error=False)
        assert not run.success
        planned = {
            e.dagster_event.event_specific_data.asset_check_key
            for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED)
        }
        evaluations = [
            e.dagster_event.event_specific_data
            for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        ]
    failed = {
        (e.asset_key.to_user_string(), e.check_name)
        for e in evaluations
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR  # the texts' check warns: no texts here
    }
    assert failed == {("marts/claim_checks", "claim_register")}, failed
    not_evaluated = planned - {e.asset_check_key for e in evaluations}
    assert not not_evaluated, sorted(k.to_user_string() for k in not_evaluated)[:5]
    kept = [e for e in evaluations if e.metadata.get("ran_this_run") == dg.MetadataValue.bool(False)]
    assert kept and all(e.passed for e in kept), "dbt's tests of kept models are reported, as kept"
