"""The published file, its integrity record and its history when a publish or restore is killed: real child
processes killed by real signals (SIGKILL, SIGTERM) at the named points, then at random points of either; and a
lock another process holds on the published file, which is a lock, not damage."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from conftest import PROJECT_ROOT, build, check_results, copy_sources, read_rows, write_rows
from orchestration import retries
from orchestration.resources.connections import connect
from orchestration.warehouse import (
    WarehouseError,
    WarehouseFiles,
    history_lines,
    publish,
    published_identity,
    restore,
    snapshots,
    start_working_copy,
    verify_snapshot,
)

# A publish or restore in its own process, which kills itself with a real signal at one point of it: before or
# after the swap of the published file, or at the k-th point (before or after each rename, link, unlink, fsync and
# copy publish or restore makes), or at none (`none`: it reports how many points it passed). It reports the
# point and, for a publish, the sha256 of the state it publishes.
CHILD = r"""
import hashlib, json, os, shutil, signal, sys
from pathlib import Path
from orchestration.resources.connections import connect
from orchestration.warehouse import WarehouseFiles, publish, restore, start_working_copy

published, action, name, n, kill_at, sig, report = sys.argv[1:8]
files = WarehouseFiles(Path(published))
facts = {}
if action == "publish":
    working = start_working_copy(files, name)
    with connect(working) as con:
        con.execute("create or replace table t as select ? as n, range as r from range(20000)", [int(n)])
        con.execute("checkpoint")
    facts["sha256"] = hashlib.sha256(working.read_bytes()).hexdigest()
points, swapped = [], []

def point(when, function, args):
    last = args[-1] if args else ""
    if isinstance(last, int):  # fsync's file descriptor
        last = os.readlink(f"/proc/self/fd/{last}")
    points.append(f"{when} {function}({Path(last).name})")
    swap = function == "replace" and Path(args[1]) == files.published
    if kill_at == str(len(points)) or (swap and kill_at == f"{when}-swap"):
        killed = {"killed": points[-1], "point": len(points), "swapped": bool(swapped)}
        Path(report).write_text(json.dumps({**facts, **killed}))
        os.kill(os.getpid(), getattr(signal, sig))
    if swap and when == "after":
        swapped.append(True)

def hooked(module, function):
    real = getattr(module, function)
    def call(*args, **kwargs):
        point("before", function, args)
        result = real(*args, **kwargs)
        point("after", function, args)
        return result
    setattr(module, function, call)

for module, function in ((os, "replace"), (os, "link"), (os, "unlink"), (os, "fsync"), (shutil, "copyfile")):
    hooked(module, function)
if action == "publish":
    publish(files, name, keep=4)
else:
    restore(files, name)
Path(report).write_text(json.dumps({**facts, "completed": len(points)}))
"""


def _child(files: WarehouseFiles, action: str, name: str, kill_at: str, sig: str = "SIGKILL", n: int = 0) -> dict:
    """Run a publish (of a state whose table t holds `n`) or a restore in a child process killed at `kill_at`."""
    report = files.published.parent / f"child-{action}-{name}.json"
    command = [sys.executable, "-c", CHILD, str(files.published), action, name, str(n), kill_at, sig, str(report)]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    outcome = json.loads(report.read_text())
    report.unlink()
    expected = 0 if "completed" in outcome else -getattr(signal, sig)
    assert done.returncode == expected, (done.returncode, outcome, done.stderr[-3000:])
    return outcome


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state(files: WarehouseFiles, key: str, n: int) -> None:
    with connect(start_working_copy(files, key)) as con:
        con.execute("create or replace table t as select ? as n, range as r from range(20000)", [n])


def _published_n(files: WarehouseFiles) -> int:
    with duckdb.connect(str(files.published), read_only=True) as con:
        return con.execute("select any_value(n) from t").fetchone()[0]


def _runs(files: WarehouseFiles) -> list[str]:
    return [line.split("\t")[1].removeprefix("run ") for line in history_lines(files)]


def _loose_ends(files: WarehouseFiles) -> list[str]:
    """What a publish or restore left that is not a kept state: pending snapshots, a snapshot's record without its
    snapshot or a snapshot without its record, a half-written file."""
    history = files.history_dir
    names = {p.name for p in history.iterdir()} if history.exists() else set()
    loose = [n for n in names if n.startswith(".") or n.endswith(".partial")]
    loose += [n for n in names if n.endswith(".json") and n.replace(".json", ".duckdb") not in names]
    loose += [n for n in names if n.endswith(".duckdb") and n.replace(".duckdb", ".json") not in names]
    folder = files.published.parent
    return loose + [p.name for p in folder.glob(files.published.name + ".*") if p != files.integrity]


def test_a_publish_killed_before_its_swap_leaves_the_damage_check_in_force(tmp_path, monkeypatch, built_warehouse):
    """SIGKILL just before the swap: the integrity record still describes the published file, so the file changed in
    place afterwards (a figure, same inode) stops the next run, which publishes nothing."""
    files = WarehouseFiles(tmp_path / "warehouse.duckdb")
    files.published.write_bytes(built_warehouse.read_bytes())
    _child(files, "publish", "first", "none")  # a published state with its record and snapshot
    killed = _child(files, "publish", "killed", "before-swap")
    assert killed["killed"] == "before replace(warehouse.duckdb)"
    inode = files.published.stat().st_ino
    with duckdb.connect(str(files.published)) as con:
        con.execute(
            "update marts.fct_observation set value = value * 10 "
            "where figure_id = (select min(figure_id) from marts.fct_observation where document_id = 'ningbo_paper')"
        )
    assert files.published.stat().st_ino == inode
    tampered, history = _sha(files.published), _runs(files)

    sources = copy_sources(tmp_path)  # something to rebuild, so that the run copies the published file
    fields, rows = read_rows(sources / "figures" / "dalian_blog_2009.csv")
    rows[1].update(stated_text="US $41 billion", value="41")
    write_rows(sources / "figures" / "dalian_blog_2009.csv", fields, rows)
    monkeypatch.setenv("DOCUMENTS_DIR", "")
    result = build(monkeypatch, tmp_path, sources)
    failures = " ".join(str(e.event_specific_data.error) for e in result.all_events if e.is_step_failure)
    assert not result.success and f"the published warehouse {files.published} is damaged" in failures, failures
    assert _sha(files.published) == tampered, "the damaged file was republished"
    assert _runs(files) == history == ["first"]
    assert not check_results(result), "no check ran on a build of the damaged file"


def test_a_publish_killed_after_its_swap_keeps_the_published_state_in_history(tmp_path):
    files = WarehouseFiles(tmp_path / "warehouse.duckdb")
    _state(files, "first", 1)
    publish(files, "first", keep=5)
    killed = _child(files, "publish", "killed", "after-swap", n=2)
    assert killed["killed"] == "after replace(warehouse.duckdb)"
    assert _sha(files.published) == killed["sha256"] and _published_n(files) == 2
    assert _runs(files) == ["first", "killed"], "the published state is listed as soon as history is read"
    _state(files, "next", 3)
    publish(files, "next", keep=5)
    assert _runs(files) == ["first", "killed", "next"]
    kept = {p.stem.split("_", 1)[1]: p for p in snapshots(files)}
    assert verify_snapshot(kept["killed"]) is None and _sha(kept["killed"]) == killed["sha256"]
    assert _loose_ends(files) == []


def test_a_publish_killed_before_its_swap_leaves_nothing_in_history(tmp_path):
    files = WarehouseFiles(tmp_path / "warehouse.duckdb")
    _state(files, "first", 1)
    publish(files, "first", keep=5)
    before = _sha(files.published)
    _child(files, "publish", "killed", "before-swap", n=2)
    assert _sha(files.published) == before
    _state(files, "next", 3)
    publish(files, "next", keep=5)
    assert _runs(files) == ["first", "next"]
    assert _loose_ends(files) == [], "a publish killed before its swap left files no publish removes"


@contextmanager
def _write_lock_held(path: Path, release: Path):
    """Another process with a DuckDB write connection to `path` (DuckDB locks the file) until `release` exists,
    or the block ends."""
    script = (
        "import duckdb, os, sys, time\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('holding', flush=True)\n"
        "while not os.path.exists(sys.argv[2]):\n"
        "    time.sleep(0.05)\n"
    )
    with subprocess.Popen([sys.executable, "-c", script, str(path), str(release)], stdout=subprocess.PIPE) as holder:
        try:
            assert holder.stdout.readline() == b"holding\n"
            yield holder
        finally:
            release.touch()
            holder.wait(timeout=60)


def _two_published_states(tmp_path: Path) -> WarehouseFiles:
    files = WarehouseFiles(tmp_path / "warehouse.duckdb")
    for n in range(2):
        _state(files, f"run{n}", n)
        publish(files, f"run{n}", keep=5)
    return files


def test_a_lock_on_the_published_file_is_retried_then_reported_as_a_lock(tmp_path, monkeypatch):
    """Retried after 5, 10 and 20 s (the waits are recorded, not slept), then named a lock: no damage, no snapshot
    to restore (the newest one shares the locked file, and an older one would roll the warehouse back)."""
    files = _two_published_states(tmp_path)
    waits = []
    monkeypatch.setattr(retries, "time", SimpleNamespace(sleep=waits.append))
    with _write_lock_held(files.published, tmp_path / "release") as holder, pytest.raises(WarehouseError) as caught:
        published_identity(files)
    message = str(caught.value)
    assert waits == [5, 10, 20]
    assert f"{files.published} is locked by another process (pid {holder.pid})" in message, message
    assert "unreadable" not in message and "damaged" not in message and "restore" not in message


def test_a_lock_released_while_retrying_lets_the_run_go_on(tmp_path, monkeypatch):
    files = _two_published_states(tmp_path)
    release, waits = tmp_path / "release", []
    with _write_lock_held(files.published, release) as holder:

        def released_meanwhile(seconds):
            waits.append(seconds)
            release.touch()
            holder.wait(timeout=60)

        monkeypatch.setattr(retries, "time", SimpleNamespace(sleep=released_meanwhile))
        assert published_identity(files)["inode"] == files.published.stat().st_ino
    assert waits == [5]


def test_out_of_memory_opening_the_published_file_is_not_damage(tmp_path):
    files = _two_published_states(tmp_path)
    with pytest.raises(WarehouseError) as caught:
        published_identity(WarehouseFiles(files.published, memory_limit="0B"))
    message = str(caught.value)
    assert "out of memory" in message and "DUCKDB_MEMORY_LIMIT" in message, message
    assert "unreadable" not in message and "restore" not in message


def _damage_in_place(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.seek(path.stat().st_size // 2)
        handle.write(b"\xde\xad\xbe\xef" * 64)


def test_damage_advises_the_published_states_own_snapshot_when_it_is_intact(tmp_path):
    """The published state is run0's, restored (a copy, so its snapshot is intact when the file is damaged in
    place): the advice is that snapshot, not run1's, a state the warehouse was rolled back from."""
    files = _two_published_states(tmp_path)
    restore(files, "run0")
    _damage_in_place(files.published)
    with pytest.raises(WarehouseError) as caught:
        start_working_copy(files, "run2")
    run0, _ = snapshots(files)
    assert f"restore its own snapshot, verified, with `warehouse restore {run0.name}`" in str(caught.value)


def test_damage_says_when_the_only_intact_snapshot_rolls_the_warehouse_back(tmp_path):
    files = _two_published_states(tmp_path)
    _damage_in_place(files.published)  # run1's snapshot is the same file: damaged too
    with pytest.raises(WarehouseError) as caught:
        start_working_copy(files, "run2")
    run0, _ = snapshots(files)
    message = str(caught.value)
    assert "no intact snapshot holds the published state (run run1's)" in message, message
    assert f"`warehouse restore {run0.name}` rolls the warehouse back to run run0's state" in message, message


def _check_after_kill(files: WarehouseFiles, states: dict[str, int], published: set[str], before: str, after: str):
    """The published file is one of the two states, complete and readable, and its integrity record is true (of a
    published file, and of this one if it names it); once history is read (as publish, restore and every run do
    first), what the kill left is settled: the record names the file, the state has its intact snapshot."""
    digest, inode = _sha(files.published), files.published.stat().st_ino
    assert digest in (before, after), "the published file is neither the state before nor the one after"
    assert _published_n(files) == states[digest]
    published.add(digest)
    record = json.loads(files.integrity.read_text())
    assert record["sha256"] in published, "the integrity record describes a file that was never published"
    assert record["inode"] != inode or record["sha256"] == digest
    history_lines(files)
    record = json.loads(files.integrity.read_text())
    assert (record["sha256"], record["inode"]) == (digest, inode)
    assert _loose_ends(files) == []
    kept = {json.loads(p.with_suffix(".json").read_text())["sha256"]: p for p in snapshots(files)}
    assert digest in kept, "the published state has no snapshot"
    assert all(verify_snapshot(p) is None for p in kept.values())
    return {before: "the state before", after: "the state after"}[digest] if before != after else "the same state"


def test_publish_and_restore_killed_at_random_points(tmp_path):
    """20 publishes and restores of a small warehouse, each in a child process killed by SIGKILL or SIGTERM at a
    random point (PUBLISH_FAULTS_SEED replays a seed), each followed by the checks above and a publish."""
    seed = int(os.environ.get("PUBLISH_FAULTS_SEED") or time.time_ns() % 10**6)
    print(f"PUBLISH_FAULTS_SEED={seed}")
    rng = random.Random(seed)
    started = time.monotonic()
    files = WarehouseFiles(tmp_path / "warehouse.duckdb")
    states: dict[str, int] = {}  # the sha256 of every state a publish was given, and its table's n
    published: set[str] = set()  # the sha256 of every state that was the published file

    def published_by_parent(n: int) -> None:
        _state(files, f"parent{n}", n)
        digest = publish(files, f"parent{n}", keep=4)["sha256"]
        states[digest] = n
        published.add(digest)

    published_by_parent(0)
    counted = _child(files, "publish", "count", "none", n=1)
    states[counted["sha256"]] = 1
    published.add(counted["sha256"])
    points = {"publish": counted["completed"], "restore": _child(files, "restore", "parent0", "none")["completed"]}
    kills, outcomes, killed = Counter(), Counter(), 0
    for attempt in range(20):
        action = "restore" if attempt % 3 == 2 else "publish"
        before, at, sig = _sha(files.published), str(rng.randint(1, points[action])), rng.choice(["SIGKILL", "SIGTERM"])
        if action == "publish":
            outcome = _child(files, "publish", f"child{attempt}", at, sig, n=100 + attempt)
            after = outcome["sha256"]
            states[after] = 100 + attempt
        else:
            target = rng.choice(snapshots(files))
            after = json.loads(target.with_suffix(".json").read_text())["sha256"]
            outcome = _child(files, "restore", target.name, at, sig)
        which = _check_after_kill(files, states, published, before, after)
        if "killed" in outcome:
            swap = "after" if outcome["swapped"] else "before"
            kills[f"{action} killed {swap} its swap, {sig}, {outcome['killed']}"] += 1
            killed += 1
        else:
            kills[f"{action} not killed (it finished before point {at})"] += 1
        outcomes[f"{action}: {which} published"] += 1
        published_by_parent(200 + attempt)
    took = time.monotonic() - started
    print(
        f"{killed} kills in {took:.0f} s; {points['publish']} kill points in a publish, {points['restore']} in a "
        "restore (before and after each rename, link, unlink, fsync and copy)"
    )
    for lines in (kills, outcomes):
        for line, count in sorted(lines.items()):
            print(f"  {count:3d}  {line}")
    assert took < 180
