"""Operations: readers are never blocked, a killed run changes nothing, runs don't collide, builds are
deterministic, and a snapshot can be restored with one command. Real processes, real files."""

from __future__ import annotations

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

from conftest import PROJECT_ROOT, copy_sources, read_rows, write_rows

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
            tables = con.execute("select count(*) from information_schema.tables where table_schema = 'marts'").fetchone()[0]
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
    env = {**os.environ, "WAREHOUSE_PATH": str(workdir / "pub" / "warehouse.duckdb"),
           "DATA_DIR": str(workdir / "data"), "DAGSTER_HOME": str(home)}
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
            cwd=PROJECT_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
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
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                "order by ordinal_position", [schema, name]).fetchall() if c not in ("_source_file", "source_file")]
            select = ", ".join(f'"{c}"' for c in columns)
            sums[table] = con.execute(
                f"select md5(coalesce(string_agg(r, '\n' order by r), '')) from "
                f"(select cast(row({select}) as varchar) as r from {relation})").fetchone()[0]
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


def test_a_killed_run_leaves_the_published_file_byte_identical(tmp_path, built_warehouse):
    env = _env(tmp_path)
    published = Path(env["WAREHOUSE_PATH"])
    published.parent.mkdir(parents=True)
    shutil.copy(built_warehouse, published)
    before = _sha(published)
    log = tmp_path / "killed.log"
    process = _start_run(env, log)
    deadline = time.monotonic() + 300
    while "dbt build" not in log.read_text() and "warehouse_models" not in log.read_text():
        assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "the run never reached dbt"
        time.sleep(0.2)
    time.sleep(2)  # inside dbt build
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert _sha(published) == before
    _run(env, tmp_path / "next.log")
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from marts.figures").fetchone()[0] > 0


def test_two_runs_at_once_both_publish_a_complete_warehouse(tmp_path):
    env = _env(tmp_path)
    # create the run storage first, as the daemon or webserver does: two processes creating a new instance's
    # SQLite tables at the same moment collide inside Dagster ("table run_tags already exists")
    subprocess.run([str(BIN / "dagster"), "instance", "migrate"], env=env, check=True, capture_output=True)
    first = _start_run(env, tmp_path / "first.log")
    second = _start_run(env, tmp_path / "second.log")
    assert first.wait(timeout=600) == 0, (tmp_path / "first.log").read_text()[-3000:]
    assert second.wait(timeout=600) == 0, (tmp_path / "second.log").read_text()[-3000:]
    published = Path(env["WAREHOUSE_PATH"])
    history = sorted((published.parent / "history").glob("*.duckdb"))
    assert len(history) == 2
    assert _table_checksums(published) == _table_checksums(history[-1])
    assert not list((published.parent / ".runs").glob("*/*.duckdb")), "working files are cleaned up"


def test_builds_are_deterministic_and_a_snapshot_restores(tmp_path, built_warehouse):
    env = _env(tmp_path, copy_sources(tmp_path), documents="")
    _run(env, tmp_path / "same.log")
    published = Path(env["WAREHOUSE_PATH"])
    assert _table_checksums(published) == _table_checksums(built_warehouse)

    _change_blog_figure(Path(env["SOURCES_DIR"]))
    _run(env, tmp_path / "changed.log")
    changed = _table_checksums(published)
    assert changed != _table_checksums(built_warehouse)

    history = subprocess.run([sys.executable, "-m", "orchestration.warehouse", "history"], cwd=PROJECT_ROOT,
                             env=env, capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(history) == 2
    first_snapshot = history[0].split("\t")[0]
    subprocess.run([sys.executable, "-m", "orchestration.warehouse", "restore", first_snapshot],
                   cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    assert _table_checksums(published) == _table_checksums(built_warehouse)

    missing = subprocess.run([sys.executable, "-m", "orchestration.warehouse", "restore", "no-such-run"],
                             cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert missing.returncode == 2 and "no single snapshot matches 'no-such-run'" in missing.stderr


def test_history_keeps_the_configured_number_of_snapshots(tmp_path):
    from orchestration.ingest.load import connect
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
