"""Operations: readers are never blocked, a killed run changes nothing and no longer holds the queue, builds are
deterministic, and a snapshot can be restored with one command. Real processes, real files."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from conftest import PROJECT_ROOT, build, copy_sources, read_rows, write_rows

BIN = Path(sys.executable).parent

READER = r"""
import json, sys, time, duckdb
path, stop, log = sys.argv[1], sys.argv[2], sys.argv[3]
seen, errors, reads = {}, [], 0
import os
while not os.path.exists(stop):
    try:
        with duckdb.connect(path, read_only=True) as con:
            state = con.execute("select count(*), sum(value) from marts.figures").fetchone()
            marts = "select count(*) from information_schema.tables where table_schema = 'marts'"
            tables = con.execute(marts).fetchone()[0]
        key = f"{state[0]}|{state[1]}|{tables}"
        seen[key] = seen.get(key, 0) + 1
        reads += 1
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.02)
json.dump({"seen": seen, "errors": errors, "reads": reads}, open(log, "w"))
"""


def _env(workdir: Path, sources: Path | None = None, documents: str | None = None) -> dict:
    home = workdir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ,
        "WAREHOUSE_PATH": str(workdir / "pub" / "warehouse.duckdb"),
        "DATA_DIR": str(workdir / "data"),
        "DAGSTER_HOME": str(home),
    }
    if sources is not None:
        env["SOURCES_DIR"] = str(sources)
    if documents is not None:
        env["DOCUMENTS_DIR"] = documents
    return env


def _start_run(env: dict, log: Path) -> subprocess.Popen:
    # the child writes through its own copy of the descriptor; ours closes at once
    with log.open("w") as handle:
        return subprocess.Popen(
            [str(BIN / "dagster"), "job", "execute", "-m", "orchestration.definitions", "-j", "build_warehouse"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _run(env: dict, log: Path) -> None:
    process = _start_run(env, log)
    assert process.wait(timeout=600) == 0, log.read_text()[-3000:]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _table_checksums(path: Path) -> dict[str, str]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('raw', 'staging', 'intermediate', 'marts') order by 1"
        ).fetchall()
        sums = {}
        for (table,) in tables:
            schema, name = table.split(".")
            relation = f'"{schema}"."{name}"'
            # raw tables carry the source file path, which differs between copies of sources/
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                    "order by ordinal_position",
                    [schema, name],
                ).fetchall()
                if c not in ("_source_file", "source_file")
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            sums[table] = con.execute(
                f"select md5(coalesce(string_agg(r, '\n' order by r), '')) from "
                f"(select cast(row({select}) as varchar) as r from {relation})"
            ).fetchone()[0]
    return sums


def _change_blog_figure(sources: Path) -> None:
    """Change one figure consistently (literal and value), so a new build differs from the old one."""
    path = sources / "figures" / "dalian_blog_2009.csv"
    fields, rows = read_rows(path)
    rows[1].update(stated_text="US $41 billion", value="41")
    write_rows(path, fields, rows)


def test_readers_see_old_then_new_and_never_fail(tmp_path, built_warehouse):
    env = _env(tmp_path, copy_sources(tmp_path), documents="")
    _change_blog_figure(Path(env["SOURCES_DIR"]))
    published = Path(env["WAREHOUSE_PATH"])
    published.parent.mkdir(parents=True)
    shutil.copy(built_warehouse, published)
    stop, log = tmp_path / "stop", tmp_path / "reader.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(published), str(stop), str(log)])
    try:
        time.sleep(1)
        _run(env, tmp_path / "run.log")
        time.sleep(1)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    result = json.loads(log.read_text())
    assert result["errors"] == []
    assert result["reads"] > 20
    assert len(result["seen"]) == 2, result["seen"]  # the old complete warehouse, then the new one


def _dbt_building(group: int) -> bool:
    """Whether a `dbt build` runs in the process group `group` (a run's dbt step, past its start-up)."""
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and os.getpgid(int(proc.name)) == group:
                if b"/dbt\x00build\x00" in (proc / "cmdline").read_bytes():
                    return True
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
    return False


def test_a_killed_run_changes_nothing_and_no_longer_holds_the_queue(tmp_path, built_warehouse):
    """`make run`'s job killed with SIGKILL inside dbt build (stopped there first, so that a loaded machine cannot
    let it finish before the kill): the published file stays byte-identical, but the run stays
    STARTED in Dagster's storage and holds the one-writer slot. With the shipped instance config the daemon's run
    monitoring finds its worker gone and fails it; the run queued behind it then starts, removes the dead run's
    working copy and publishes."""
    from dagster import DagsterInstance, DagsterRunStatus

    env = _env(tmp_path, documents="")
    published = Path(env["WAREHOUSE_PATH"])
    published.parent.mkdir(parents=True)
    shutil.copy(built_warehouse, published)
    with duckdb.connect(str(published)) as con:  # so that the runs have something to rebuild, in dbt
        con.execute("update ingest.build set ingest_hash = 'built by other ingest code'")
    before = _sha(published)
    home = Path(env["DAGSTER_HOME"])
    config = (home / "dagster.yaml").read_text()
    assert "poll_interval_seconds: 30" in config
    (home / "dagster.yaml").write_text(config.replace("poll_interval_seconds: 30", "poll_interval_seconds: 2"))
    subprocess.run([str(BIN / "dagster"), "instance", "migrate"], env=env, check=True, capture_output=True)
    with (tmp_path / "daemon.log").open("w") as handle:
        daemon = subprocess.Popen(
            [str(BIN / "dagster-daemon"), "run", "-m", "orchestration.definitions"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    log = tmp_path / "killed.log"
    killed = _start_run(env, log)
    try:
        with DagsterInstance.from_config(str(home)) as instance:

            def runs():
                return {r.run_id: r for r in instance.get_runs()}

            deadline = time.monotonic() + 300
            while not _dbt_building(killed.pid):
                assert killed.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.1)
            # frozen inside dbt build until the kill below: however loaded the machine, it cannot publish first
            os.killpg(killed.pid, signal.SIGSTOP)
            (victim,) = runs().values()
            subprocess.run(
                [str(BIN / "dagster"), "job", "launch", "-m", "orchestration.definitions", "-j", "build_warehouse"],
                cwd=PROJECT_ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            time.sleep(5)  # a few of the daemon's polls: the new run waits for the writer slot
            (queued,) = [r.run_id for r in runs().values() if r.run_id != victim.run_id]
            assert runs()[queued].status == DagsterRunStatus.QUEUED
            os.killpg(killed.pid, signal.SIGKILL)  # inside dbt build
            killed.wait(timeout=60)
            assert _sha(published) == before
            assert list((published.parent / ".runs").iterdir()), "the killed run left its working copy"
            deadline = time.monotonic() + 300
            while runs()[queued].status != DagsterRunStatus.SUCCESS:
                state = runs()
                assert state[queued].status not in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)
                assert time.monotonic() < deadline, (
                    {k: r.status for k, r in state.items()},
                    (tmp_path / "daemon.log").read_text()[-3000:],
                )
                time.sleep(1)
            assert runs()[victim.run_id].status == DagsterRunStatus.FAILURE
            messages = [e.message for e in instance.all_logs(victim.run_id)]
            assert any("is gone (killed or crashed)" in m for m in messages), messages[-5:]
    finally:
        with contextlib.suppress(ProcessLookupError):  # a failure above may leave the run stopped, not killed
            os.killpg(killed.pid, signal.SIGKILL)
        killed.wait(timeout=60)
        os.killpg(daemon.pid, signal.SIGKILL)
        daemon.wait(timeout=60)
    assert _sha(published) != before
    assert not list((published.parent / ".runs").iterdir()), "the next run removed the dead run's working copy"


# What a build reads from the texts, which a build without them (below) has as null coverage instead
_FROM_TEXTS = {
    "raw.text_numbers",
    "raw.document_texts",
    "raw.mention_printings",
    "staging.stg_text_numbers",
    "staging.stg_document_texts",
    "staging.stg_mention_printings",
    "marts.document_coverage",
}


def _apart_from_texts(path: Path) -> dict[str, str]:
    return {table: checksum for table, checksum in _table_checksums(path).items() if table not in _FROM_TEXTS}


def test_builds_are_deterministic_and_a_snapshot_restores(tmp_path, monkeypatch, built_warehouse):
    sources = copy_sources(tmp_path)
    monkeypatch.setenv("DOCUMENTS_DIR", "")  # so a changed literal need not be printed in the text
    assert build(monkeypatch, tmp_path / "pub", sources).success
    published = tmp_path / "pub" / "warehouse.duckdb"
    assert _apart_from_texts(published) == _apart_from_texts(built_warehouse)
    first = _table_checksums(published)

    _change_blog_figure(sources)
    assert build(monkeypatch, tmp_path / "pub", sources).success
    changed = _table_checksums(published)
    assert changed != _table_checksums(built_warehouse)

    env = {**os.environ, "WAREHOUSE_PATH": str(published), "DATA_DIR": str(tmp_path / "pub" / "data")}
    history = subprocess.run(
        [str(BIN / "warehouse"), "history"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert len(history) == 2
    first_snapshot = history[0].split("\t")[0]
    subprocess.run(
        [str(BIN / "warehouse"), "restore", first_snapshot], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True
    )
    assert _table_checksums(published) == first

    missing = subprocess.run(
        [str(BIN / "warehouse"), "restore", "no-such-run"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert missing.returncode == 2 and "no single snapshot matches 'no-such-run'" in missing.stderr


def test_history_keeps_the_configured_number_of_snapshots(tmp_path):
    from orchestration.resources.connections import connect
    from orchestration.warehouse import WarehouseFiles, publish, snapshots, start_working_copy

    files = WarehouseFiles(tmp_path / "warehouse.duckdb")
    for number in range(4):
        with connect(start_working_copy(files, f"run{number}")) as con:
            con.execute("create or replace table t as select ? as n", [number])
        publish(files, f"run{number}", keep=2)
    assert [p.stem.split("_", 1)[1] for p in snapshots(files)] == ["run2", "run3"]
    # the newest snapshot is the published file under a second name, not a second copy of it
    assert snapshots(files)[-1].stat().st_ino == files.published.stat().st_ino
    with duckdb.connect(str(files.published), read_only=True) as con:
        assert con.execute("select n from t").fetchone()[0] == 3


def test_dbt_output_folders_of_runs_a_day_old_are_removed(tmp_path):
    from orchestration.dbt_models import _prune_run_targets

    old, recent, other = (tmp_path / "warehouse_models-old", tmp_path / "warehouse_models-new", tmp_path / "compiled")
    for folder in (old, recent, other):
        folder.mkdir()
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    os.utime(other, (day_ago, day_ago))
    assert _prune_run_targets(tmp_path) == ["warehouse_models-old"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compiled", "warehouse_models-new"]
