"""What `warehouse run` says a run did, read from the published file: published (and what was left behind when a
step after the swap failed or the worker died), nothing new, or not published, with the cause. Real `warehouse run`
processes, real `kill -9`s of their run workers (with the daemon running, as under `make dev`: Dagster marks such
a run failed), a report folder nobody may replace and file systems with little room left (small tmpfs mounts)."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from conftest import PROJECT_ROOT, copy_sources, read_rows, write_rows

BIN = Path(sys.executable).parent
WORKER_PID_TAG = ".dagster/warehouse_worker_pid"  # orchestration/run_worker.py


def _env(workdir: Path, sources: Path | None = None, **settings: str) -> dict:
    """`warehouse run`'s environment: everything under `workdir/data`, no texts (a changed literal is not printed)."""
    data = workdir / "data"
    env = {**os.environ, "DATA_DIR": str(data), "DAGSTER_HOME": str(data / "dagster_home"), "DOCUMENTS_DIR": ""}
    env.pop("WAREHOUSE_PATH", None)  # DATA_DIR/warehouse.duckdb
    if sources is not None:
        env["SOURCES_DIR"] = str(sources)
    return {**env, **settings}


def _publish_copy(built: Path, env: dict) -> Path:
    published = Path(env.get("WAREHOUSE_PATH") or Path(env["DATA_DIR"]) / "warehouse.duckdb")
    published.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(built, published)
    return published


def _changed_sources(workdir: Path) -> Path:
    """Sources with one figure changed consistently (literal and value): the next run rebuilds and publishes."""
    sources = copy_sources(workdir)
    path = sources / "figures" / "dalian_blog_2009.csv"
    fields, rows = read_rows(path)
    rows[1].update(stated_text="US $41 billion", value="41")
    write_rows(path, fields, rows)
    return sources


def _start(env: dict, out: Path) -> subprocess.Popen:
    with out.open("w") as handle:
        return subprocess.Popen(
            [str(BIN / "warehouse"), "run"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _run(env: dict, out: Path) -> tuple[int, str]:
    process = _start(env, out)
    try:
        return process.wait(timeout=900), out.read_text()
    finally:
        _end_session(process.pid)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat's fields after the command name (state, parent, process group, session, ...), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"  # a zombie has died and waits to be reaped


def _children(pid: int, marker: bytes) -> list[int]:
    """The child processes of `pid` whose command line holds `marker`."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and (fields := _stat(int(proc.name))) is not None and fields[1] == str(pid):
            try:
                if marker in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def _end_session(session: int) -> None:
    """End every process of the session a test started (its `warehouse run` or daemon, the code servers and run
    workers they started): a code server outlives a failed `warehouse run` until its heartbeat times out."""
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit() and (fields := _stat(int(proc.name))) is not None and fields[3] == str(session):
            try:
                os.kill(int(proc.name), signal.SIGKILL)
            except ProcessLookupError:
                continue


@contextmanager
def _daemon(env: dict, log: Path):
    """The Dagster daemon (queue and run monitoring, polling every 2 s), running until the block ends."""
    from dagster import DagsterInstance

    home = Path(env["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    config = (PROJECT_ROOT / "orchestration" / "dagster.yaml").read_text()
    assert "poll_interval_seconds: 30" in config
    (home / "dagster.yaml").write_text(config.replace("poll_interval_seconds: 30", "poll_interval_seconds: 2"))
    subprocess.run([str(BIN / "dagster"), "instance", "migrate"], env=env, check=True, capture_output=True)
    with log.open("w") as handle:
        daemon = subprocess.Popen(
            [str(BIN / "dagster-daemon"), "run", "-m", "orchestration.definitions"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # its config is read: `warehouse run` copies the shipped one (30 s polls) over it when it starts
        with DagsterInstance.from_config(str(home)) as instance:
            deadline = time.monotonic() + 300
            while "MONITORING" not in instance.get_daemon_heartbeats():
                assert daemon.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.5)
            yield instance
    finally:
        _end_session(daemon.pid)
        daemon.wait(timeout=60)


def _worker(instance, cli: subprocess.Popen, out: Path, deadline: float) -> int:
    """The pid of the run worker of the one run `warehouse run` launched, once its first step recorded it."""
    while True:
        runs = instance.get_runs()
        if runs and WORKER_PID_TAG in runs[0].tags:
            return int(runs[0].tags[WORKER_PID_TAG])
        assert cli.poll() is None and time.monotonic() < deadline, out.read_text()[-3000:]
        time.sleep(0.1)


def _run_id(output: str) -> str:
    """The run `warehouse run` launched, as it said when it queued or launched it."""
    (run_id,) = {
        line.split()[1]
        for line in output.splitlines()
        if line.startswith("run ") and (" queued" in line or " launched" in line)
    }
    return run_id


@contextmanager
def _unreplaceable(folder: Path):
    """`folder` cannot be renamed, as publishing a report site does with the one it replaces."""
    if os.geteuid() != 0:
        folder.chmod(0o555)  # moving a folder to another parent writes its '..' entry
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip(f"chattr +i is refused on {folder}'s file system, and root ignores file permissions")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_report_step_that_fails_after_the_swap_is_told_as_published_and_the_next_run_redraws(
    tmp_path, built_warehouse
):
    """The report folder cannot be replaced (immutable for root, read-only for anyone else): the run publishes, its
    report step fails. `warehouse run` says it published, what failed and what to do, and exits 3; once the folder
    can be replaced again, a run with nothing new to publish regenerates the stale site."""
    env = _env(tmp_path, _changed_sources(tmp_path))
    published = _publish_copy(built_warehouse, env)
    report = Path(env["DATA_DIR"]) / "report"
    report.mkdir()
    (report / "index.html").write_text("the previous build's report")
    before = _sha(published)
    with _unreplaceable(report):
        status, output = _run(env, tmp_path / "first.out")
    assert status == 3, output
    assert _sha(published) != before, "the run published"
    verdict = output.splitlines()[-1]
    assert verdict.startswith(f"published {published} (run {_run_id(output)}), but step report_site failed: ")
    assert str(report) in verdict and "report site is the previous build's: run `warehouse report`" in verdict
    assert "is unchanged" not in output and "Traceback" not in output
    assert (report / "index.html").read_text() == "the previous build's report"

    status, output = _run(env, tmp_path / "second.out")
    assert status == 0, output
    assert "nothing new to publish: nothing changed since the published build" in output
    assert (report / "index.html").read_text().lower().startswith("<!doctype html>")
    assert (report / "index.html").stat().st_mtime_ns > published.stat().st_mtime_ns
    logs = "".join(p.read_text() for p in (Path(env["DATA_DIR"]) / "logs").glob("*.log"))
    assert "regenerated the report site" in logs


def test_a_worker_killed_after_the_swap_is_told_as_published(tmp_path, built_warehouse):
    """`kill -9` of the run worker right after it swapped the new file in: `warehouse run` says the run published,
    that its worker died and which pages still describe the previous build, and exits 3."""
    env = _env(tmp_path, _changed_sources(tmp_path))
    published = _publish_copy(built_warehouse, env)
    before, inode = _sha(published), published.stat().st_ino
    out = tmp_path / "run.out"
    with _daemon(env, tmp_path / "daemon.log") as instance:
        cli = _start(env, out)
        try:
            deadline = time.monotonic() + 600
            worker = _worker(instance, cli, out, deadline)
            while published.stat().st_ino == inode:
                assert cli.poll() is None and time.monotonic() < deadline, out.read_text()[-3000:]
                time.sleep(0.01)
            os.kill(worker, signal.SIGKILL)
            status = cli.wait(timeout=300)
        finally:
            _end_session(cli.pid)
    output = out.read_text()
    assert status == 3, output
    verdict = output.splitlines()[-1]
    published_by = f"published {published} (run {_run_id(output)})"
    assert verdict.startswith(f"{published_by}, but the run's worker process {worker} on "), output
    assert "is gone (killed or crashed)" in verdict
    assert "the report site is the previous build's: run `warehouse report`" in verdict
    assert "is unchanged" not in output and "Traceback" not in output
    assert _sha(published) != before


def test_a_worker_killed_in_dbt_takes_dbt_with_it_and_is_named_as_the_cause(tmp_path, built_warehouse):
    """`kill -9` of the run worker while its `dbt build` runs: dbt dies with it instead of building on into the
    dead run's working file, and `warehouse run` names the dead worker as the cause, keeps the published file
    and exits 1."""
    env = _env(tmp_path)
    published = _publish_copy(built_warehouse, env)
    with duckdb.connect(str(published)) as con:  # so that the run has something to rebuild, in dbt
        con.execute("update ingest.build set ingest_hash = 'built by other ingest code'")
    before = _sha(published)
    out = tmp_path / "run.out"
    with _daemon(env, tmp_path / "daemon.log") as instance:
        cli = _start(env, out)
        try:
            deadline = time.monotonic() + 600
            worker = _worker(instance, cli, out, deadline)
            while not (dbt := _children(worker, b"/dbt\x00build\x00")):
                assert cli.poll() is None and time.monotonic() < deadline, out.read_text()[-3000:]
                time.sleep(0.05)
            os.kill(worker, signal.SIGKILL)
            killed = time.monotonic()
            while any(_alive(pid) for pid in dbt) and time.monotonic() - killed < 5:
                time.sleep(0.05)
            orphaned = [pid for pid in dbt if _alive(pid)]
            status = cli.wait(timeout=300)
        finally:
            _end_session(cli.pid)
    assert not orphaned, f"dbt build {orphaned} outlived its killed worker {worker} by 5 s"
    output = out.read_text()
    assert status == 1, output
    assert f"worker process {worker} on " in output and "is gone (killed or crashed)" in output, output
    assert "step warehouse_models started and never finished" in output
    assert output.splitlines()[-1].startswith(f"not published: {published} is unchanged. Fix the cause above")
    assert _sha(published) == before


@pytest.fixture
def small_disk(tmp_path):
    """A 64 MB tmpfs of the test's own (mounting needs root), unmounted at the end."""
    mount = tmp_path / "small"
    mount.mkdir()
    mounting = ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)]
    if os.geteuid() != 0 or subprocess.run(mounting, capture_output=True).returncode != 0:
        pytest.skip("a file system with little room left is a small tmpfs here, and mounting one needs root")
    yield mount
    subprocess.run(["umount", "--lazy", str(mount)], check=True)


def _fill(mount: Path, leave: int) -> None:
    """Write zeros until `leave` bytes are free on `mount` (a tmpfs counts only written pages)."""
    chunk = bytes(2**20)
    with (mount / "filler").open("wb") as handle:
        while shutil.disk_usage(mount).free - len(chunk) >= leave:
            handle.write(chunk)
            handle.flush()


@pytest.mark.parametrize(
    ("on_small_disk", "free_mb"),
    [
        # Dagster's storage (SQLite) fails under `warehouse run` itself, which used to die with a traceback
        ("data", 4),
        # the run's working copy of the published file does not fit: its ingest fails with ENOSPC
        ("warehouse", 12),
    ],
)
def test_a_full_disk_is_told_as_no_space_left_and_publishes_nothing(
    tmp_path, built_warehouse, small_disk, on_small_disk, free_mb
):
    sources = _changed_sources(tmp_path)
    if on_small_disk == "data":
        env = _env(small_disk, sources)
    else:
        env = _env(tmp_path, sources, WAREHOUSE_PATH=str(small_disk / "warehouse.duckdb"))
    published = _publish_copy(built_warehouse, env)
    before = _sha(published)
    _fill(small_disk, free_mb * 2**20)
    status, output = _run(env, tmp_path / "run.out")
    assert status == 1, output
    assert "Traceback" not in output, output
    verdict = output.splitlines()[-1]
    assert verdict.startswith(f"not published: no space left on {small_disk} ("), output
    assert f"free some space and run again; {published} is unchanged" in verdict
    assert _sha(published) == before
