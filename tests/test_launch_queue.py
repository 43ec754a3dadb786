"""`make run` beside a Dagster daemon, or what is left of one: a daemon judged by a fresh heartbeat, a run that never
stays queued for a daemon that stopped (killed with SIGKILL here), nor waits for a run the stopped daemon took
with it, Ctrl-C that takes a queued run off the queue, and a queued run that works by the settings of the
`warehouse run` that launched it, not by the daemon's. Real daemons, real `warehouse run` processes, real files."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._daemon.types import DaemonHeartbeat

from conftest import PROJECT_ROOT, copy_sources
from orchestration.resources.warehouse_resource import WarehouseResource
from orchestration.settings import Settings
from test_operations import _change_blog_figure

BIN = Path(sys.executable).parent
QUEUE_DAEMON = "QUEUED_RUN_COORDINATOR"
# a daemon's start-up (it loads the code location) on this busy 2-core machine
DAEMON_START_SECONDS = 180
# `warehouse run` of one changed document, plus the minute a stopped daemon takes to count as stopped
RUN_SECONDS = 420
# a run queue that dequeues nothing, so a run stays queued while the daemon heartbeats (the daemon keeps the
# config it started with; `warehouse run` then copies the shipped one back for itself)
HELD_QUEUE = "  class: WarehouseRunCoordinator\n  config:\n    max_concurrent_runs: 0\n"


def _home(tmp_path: Path, held_queue: bool = False) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    config = (PROJECT_ROOT / "orchestration" / "dagster.yaml").read_text()
    if held_queue:
        assert config.count("  class: WarehouseRunCoordinator\n") == 1
        config = config.replace("  class: WarehouseRunCoordinator\n", HELD_QUEUE)
    (home / "dagster.yaml").write_text(config)
    # the storage made once, here: a daemon and this test (or `warehouse run`) opening a new instance at the same
    # moment both create its SQLite tables, and alembic then finds two heads
    dg.DagsterInstance.from_config(str(home)).dispose()
    return home


def _published(folder: Path, built_warehouse: Path) -> Path:
    """A published warehouse as this code built it, which a run with one changed document rebuilds quickly."""
    folder.mkdir(parents=True)
    return Path(shutil.copy(built_warehouse, folder / "warehouse.duckdb"))


def _changed_sources(tmp_path: Path) -> Path:
    sources = copy_sources(tmp_path)
    _change_blog_figure(sources)
    return sources


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """A process in a session of its own (as a terminal starts a command), so it and all it starts can be
    signalled and killed together."""
    with log.open("w") as handle:
        return subprocess.Popen(
            args, cwd=PROJECT_ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


def _heartbeat(home: Path) -> float | None:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        beat = instance.get_daemon_heartbeats().get(QUEUE_DAEMON)
    return beat.timestamp if beat else None


def _start_daemon(env: dict, log: Path) -> subprocess.Popen:
    """`dagster-daemon run` for this code location, once its run queue heartbeats."""
    began = time.time()
    daemon = _start([str(BIN / "dagster-daemon"), "run", "-m", "orchestration.definitions"], env, log)
    deadline = time.monotonic() + DAEMON_START_SECONDS
    try:
        while (_heartbeat(Path(env["DAGSTER_HOME"])) or 0) < began:
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the daemon's run queue did not heartbeat: {log.read_text()[-3000:]}")
            time.sleep(1)
    except BaseException:
        _kill(daemon)  # whatever failed, no daemon outlives the test
        raise
    return daemon


def _wait_for(process: subprocess.Popen, log: Path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text():
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.5)


def _finish(process: subprocess.Popen, log: Path, timeout: float) -> str:
    """`warehouse run`'s output once it exits within `timeout`."""
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"warehouse run still running after {timeout} s: {log.read_text()[-3000:]}") from None
    return log.read_text()


def _runs(home: Path) -> dict[str, dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return {run.run_id: run for run in instance.get_runs()}


def _stated(published: Path, figure_id: str) -> str:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute("select stated_text from marts.figures where figure_id = ?", [figure_id]).fetchone()[0]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _env(tmp_path: Path, home: Path, **settings: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in ("WAREHOUSE_PATH", "SOURCES_DIR", "DOCUMENTS_DIR")}
    return {**environment, "DAGSTER_HOME": str(home), "DATA_DIR": str(tmp_path / "data"), **settings}


def _killing_env(tmp_path: Path, home: Path) -> dict:
    """The environment of a test that kills the daemon, with one changed document to build. DAEMON_SILENT_SECONDS
    near its least: `warehouse run` notices the kill sooner than the default minute, with seconds to spare for a
    busy machine's late heartbeat while the daemon lives."""
    sources = str(_changed_sources(tmp_path))
    return _env(tmp_path, home, SOURCES_DIR=sources, DOCUMENTS_DIR="", DAEMON_SILENT_SECONDS="40")


def test_a_heartbeat_one_interval_late_is_a_stopped_daemon(tmp_path, monkeypatch):
    """Dagster counts a daemon healthy for 30 minutes after its last heartbeat; `warehouse run` queues only for a
    daemon that heartbeat within the last minute, or within DAEMON_SILENT_SECONDS when set."""
    from orchestration.launch import _daemon_dequeues

    with dg.DagsterInstance.from_config(str(_home(tmp_path))) as instance:
        assert not _daemon_dequeues(instance), "no daemon ever ran"
        for silent, age, dequeues in (
            ("", 70, False),
            ("", 300, False),
            ("", 50, True),
            ("", 5, True),
            ("40", 45, False),
        ):
            monkeypatch.setenv("DAEMON_SILENT_SECONDS", silent)
            instance.add_daemon_heartbeat(DaemonHeartbeat(time.time() - age, QUEUE_DAEMON, "a-daemon", None))
            assert _daemon_dequeues(instance) is dequeues, f"last heartbeat {age} s ago, DAEMON_SILENT_SECONDS={silent}"


def test_the_run_config_carries_the_launching_settings_over_the_executing_environment(tmp_path, monkeypatch):
    """Run config overrides what the executing process's environment gives the resource: relative paths mean what
    they meant where `warehouse run` resolved them, and DOCUMENTS_DIR unset and set empty stay apart."""
    sources = copy_sources(tmp_path)
    (tmp_path / "launched_here").mkdir()
    monkeypatch.chdir(tmp_path / "launched_here")
    launching = [
        {"DATA_DIR": "rel/data", "SOURCES_DIR": str(sources), "WAREHOUSE_HISTORY": "3"},
        {"WAREHOUSE_PATH": "pub/w.duckdb", "DOCUMENTS_DIR": "", "GX_BATCH_ROWS": " 5000 "},
        {"DATA_DIR": str(tmp_path / "d"), "DOCUMENTS_DIR": str(sources), "DBT_MEMORY_LIMIT": "1GB"},
    ]
    configs = [WarehouseResource.run_config(values) for values in launching]
    expected = [Settings.from_values(values) for values in launching]
    # the executing process: elsewhere, with every variable set to something else
    (tmp_path / "executing_here").mkdir()
    (tmp_path / "daemon").mkdir()
    monkeypatch.chdir(tmp_path / "executing_here")
    for name, value in {
        "DATA_DIR": str(tmp_path / "daemon"),
        "WAREHOUSE_PATH": str(tmp_path / "daemon" / "x.duckdb"),
        "SOURCES_DIR": str(copy_sources(tmp_path / "daemon")),
        "DOCUMENTS_DIR": str(PROJECT_ROOT),
        "WAREHOUSE_HISTORY": "9",
        "DUCKDB_MEMORY_LIMIT": "700MB",
        "DBT_MEMORY_LIMIT": "800MB",
        "GX_BATCH_ROWS": "123456",
    }.items():
        monkeypatch.setenv(name, value)
    seen = []

    @dg.asset
    def settings_used(warehouse: WarehouseResource) -> None:
        seen.append(warehouse.settings)

    for config in configs:
        result = dg.materialize(
            [settings_used], resources={"warehouse": WarehouseResource.from_env()}, run_config=config
        )
        assert result.success
    assert seen == expected


def test_make_run_after_the_daemon_was_killed_publishes_and_leaves_nothing_queued(tmp_path, built_warehouse):
    """The trial's stall: `make dev` stopped, then `make run` waited for ever behind a run nothing dequeued."""
    home = _home(tmp_path)
    env = _killing_env(tmp_path, home)
    published = _published(tmp_path / "data", built_warehouse)
    processes = [_start_daemon(env, tmp_path / "daemon.log")]
    try:
        _kill(processes[0])  # its last heartbeat is seconds old: Dagster counts it healthy for 30 minutes more
        processes.append(_start([str(BIN / "warehouse"), "run"], env, tmp_path / "run.log"))
        output = _finish(processes[1], tmp_path / "run.log", RUN_SECONDS)
    finally:
        for process in processes:
            _kill(process)
    assert processes[1].returncode == 0, output
    assert re.search(r"run \S+ launched( directly| \(no Dagster daemon)", output), output
    assert f"published {published}" in output
    assert _stated(published, "blog_f002") == "US $41 billion"
    runs = _runs(home)
    assert not [r.run_id for r in runs.values() if r.status == dg.DagsterRunStatus.QUEUED], "a daemon would start it"


def test_a_run_queued_when_the_daemon_dies_is_canceled_and_launched_directly(tmp_path, built_warehouse):
    """The daemon heartbeats while `warehouse run`'s run waits in its queue, then is killed: within
    DAEMON_SILENT_SECONDS the queued run is canceled (no daemon started later runs it) and a new one is launched
    directly and publishes."""
    home = _home(tmp_path, held_queue=True)
    env = _killing_env(tmp_path, home)
    published = _published(tmp_path / "data", built_warehouse)
    log = tmp_path / "run.log"
    processes = [_start_daemon(env, tmp_path / "daemon.log")]
    try:
        processes.append(_start([str(BIN / "warehouse"), "run"], env, log))
        _wait_for(processes[1], log, "queued: the Dagster daemon starts it", DAEMON_START_SECONDS)
        _kill(processes[0])
        killed = time.monotonic()
        _wait_for(processes[1], log, "launched directly", RUN_SECONDS)
        noticed = time.monotonic() - killed
        output = _finish(processes[1], log, RUN_SECONDS)
    finally:
        for process in processes:
            _kill(process)
    print(f"the dead daemon was noticed {noticed:.0f} s after its kill")
    assert processes[1].returncode == 0, output
    (queued,) = re.findall(r"^run (\S+) queued:", output, re.MULTILINE)
    (direct,) = re.findall(r"still queued: canceled it; run (\S+) launched directly", output)
    assert f"published {published}" in output
    assert _stated(published, "blog_f002") == "US $41 billion"
    runs = _runs(home)
    assert runs[queued].status == dg.DagsterRunStatus.CANCELED
    assert runs[direct].status == dg.DagsterRunStatus.SUCCESS
    with dg.DagsterInstance.from_config(str(home)) as instance:
        messages = [entry.message for entry in instance.all_logs(queued)]
    assert any(f"launched run {direct} directly instead" in m for m in messages), messages


@pytest.mark.parametrize(
    "interrupt",
    [lambda pid: os.killpg(pid, signal.SIGINT), lambda pid: os.kill(pid, signal.SIGHUP)],
    ids=["ctrl-c to the group", "sighup to warehouse run alone"],
)
def test_ctrl_c_while_queued_takes_the_run_off_the_queue(tmp_path, built_warehouse, interrupt):
    """A terminal's Ctrl-C (SIGINT to the whole process group), or its closing (SIGHUP, here to `warehouse run`
    alone, as `kill -HUP` sends it), while the run waits in a live daemon's queue: the run is canceled, so the
    daemon never starts it with nobody waiting for it."""
    home = _home(tmp_path, held_queue=True)
    env = _env(tmp_path, home)
    published = _published(tmp_path / "data", built_warehouse)
    before = _sha(published)
    log = tmp_path / "run.log"
    processes = [_start_daemon(env, tmp_path / "daemon.log")]
    try:
        processes.append(_start([str(BIN / "warehouse"), "run"], env, log))
        _wait_for(processes[1], log, "queued: the Dagster daemon starts it", DAEMON_START_SECONDS)
        interrupt(processes[1].pid)
        output = _finish(processes[1], log, 60)
        runs = _runs(home)
    finally:
        for process in processes:
            _kill(process)
    assert processes[1].returncode != 0, output
    (queued,) = re.findall(r"^run (\S+) queued:", output, re.MULTILINE)
    assert runs[queued].status == dg.DagsterRunStatus.CANCELED, runs[queued].status
    assert _sha(published) == before


def test_a_queued_run_works_by_the_settings_of_the_warehouse_run_that_launched_it(tmp_path, built_warehouse):
    """A daemon started with one DATA_DIR (and the project's sources) runs the run `warehouse run` queued with
    another WAREHOUSE_PATH, DATA_DIR, SOURCES_DIR and DOCUMENTS_DIR: it publishes where it was told, from the
    sources it was told, and leaves the daemon's warehouse alone."""
    home = _home(tmp_path)
    daemon_env = _env(tmp_path, home, DATA_DIR=str(tmp_path / "daemon_data"))
    daemons_warehouse = _published(tmp_path / "daemon_data", built_warehouse)
    before = _sha(daemons_warehouse)
    published = _published(tmp_path / "elsewhere", built_warehouse)
    run_env = _env(
        tmp_path,
        home,
        DATA_DIR=str(tmp_path / "run_data"),
        WAREHOUSE_PATH=str(published),
        SOURCES_DIR=str(_changed_sources(tmp_path)),
        DOCUMENTS_DIR="",  # the changed literal is not in the text
    )
    log = tmp_path / "run.log"
    processes = [_start_daemon(daemon_env, tmp_path / "daemon.log")]
    try:
        processes.append(_start([str(BIN / "warehouse"), "run"], run_env, log))
        output = _finish(processes[1], log, RUN_SECONDS)
    finally:
        for process in processes:
            _kill(process)
    assert processes[1].returncode == 0, output
    assert re.search(r"^run \S+ queued: the Dagster daemon starts it", output, re.MULTILINE), output
    assert not re.search(r"run \S+ launched", output), "the daemon ran it"
    assert f"published {published}" in output
    assert _stated(published, "blog_f002") == "US $41 billion"
    assert (tmp_path / "run_data" / "validation" / "index.html").is_file()
    assert _sha(daemons_warehouse) == before
    assert not (tmp_path / "daemon_data" / "validation").exists()


def _worker(home: Path, timeout: float) -> tuple[str, int]:
    """The run whose first step recorded its worker process, and that process's pid."""
    from orchestration.run_worker import PID_TAG

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        recorded = [(r.run_id, int(r.tags[PID_TAG])) for r in _runs(home).values() if PID_TAG in r.tags]
        if recorded:
            return recorded[0]
        time.sleep(0.2)
    raise AssertionError(f"no run recorded its worker within {timeout} s")


def test_a_run_the_daemon_started_ends_failed_when_the_daemon_is_killed_with_it(tmp_path, built_warehouse):
    """`make dev` stopped mid-run takes the run it launched with it (one session): SIGKILL to the daemon's process
    group, its code server and the run's worker included. With no daemon left to notice, `warehouse run` ends the
    run failed once the daemon's heartbeat is DAEMON_SILENT_SECONDS old."""
    home = _home(tmp_path)
    env = _killing_env(tmp_path, home)
    published = _published(tmp_path / "data", built_warehouse)
    before = _sha(published)
    log = tmp_path / "run.log"
    processes = [_start_daemon(env, tmp_path / "daemon.log")]
    try:
        processes.append(_start([str(BIN / "warehouse"), "run"], env, log))
        run_id, worker = _worker(home, RUN_SECONDS)
        assert os.getpgid(worker) == processes[0].pid, "the daemon's run is in its process group"
        _kill(processes[0])
        output = _finish(processes[1], log, 180)
    finally:
        for process in processes:
            _kill(process)
    assert processes[1].returncode == 1, output
    assert re.search(rf"^run {run_id} queued:", output, re.MULTILINE), output
    gone = rf"^run {run_id}: worker process \d+ on \S+ is gone \(killed or crashed\); no Dagster daemon is running"
    assert re.search(gone, output, re.MULTILINE), output
    assert f"not published: {published} is unchanged" in output, output
    assert _runs(home)[run_id].status == dg.DagsterRunStatus.FAILURE
    assert _sha(published) == before
