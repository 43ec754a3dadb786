"""Build, check, then publish: each run writes its own working file and swaps it in only when it is complete.

Readers keep the published file open or open it at any time: a run never writes to it. The swap is a rename on
the same file system, so a reader sees either the previous complete warehouse or the new one, never a part.

A run's working state lives in `.runs/<key>/`, keyed by the run's root run id so that a re-execution from
failure continues the build its first run ingested. The folder records which published file the run started
from; publishing refuses when another run has published since (its build would overwrite newer data). A live
run holds the folder's lock, so a later run can tell a dead run's leftovers from a running one's and remove them.

Every published state is kept in `history/` (the last N) with its sha256, so damage is detected rather than
copied on, and any verified state can be restored. A publish or restore writes what it is about to swap in (its
intent) before the swap, and the integrity record and the snapshot from it only once the swap is done, so a kill at
any point leaves a record that is true and a history of published states only (_settle finishes or undoes it).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .ingest.fingerprints import sha256 as file_sha256
from .resources.connections import DEFAULT_MEMORY_LIMIT, connect
from .retries import MAX_RETRIES, is_transient, retry_locked
from .settings import Settings

_RUN_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")
# a snapshot of a file not swapped in yet: history lists it once the published file is that file
_PENDING = ".pending-"
# how DuckDB names the process holding a file's lock
_LOCK_HOLDER = re.compile(r"\(PID (\d+)\)")
# Held by the live process of every run folder it works in, released when the process ends (even by kill -9)
_HELD_LOCKS: dict[Path, int] = {}
_UNPLANNED = object()  # a working copy started without a plan made against the published file


class WarehouseError(RuntimeError):
    """Publishing or restoring cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class WarehouseFiles:
    published: Path
    memory_limit: str = DEFAULT_MEMORY_LIMIT  # of the connections that create, check and checkpoint its files

    def connect(self, path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return connect(path, read_only, self.memory_limit)

    @property
    def runs_dir(self) -> Path:
        return self.published.parent / ".runs"

    @property
    def history_dir(self) -> Path:
        return self.published.parent / "history"

    @property
    def integrity(self) -> Path:
        """sha256 and inode of the published file, written from the intent of the publish or restore that swapped
        it in, once it is the published file: never of a file that was not published."""
        return self.published.with_name(self.published.name + ".sha256")

    @property
    def intent(self) -> Path:
        """What a publish or restore is about to swap in (inode, sha256, run, snapshot), on disk before the swap."""
        return self.published.with_name(self.published.name + ".swap.json")

    @property
    def restoring(self) -> Path:
        return self.published.with_name(self.published.name + ".restoring")

    def run_dir(self, key: str) -> Path:
        if not _RUN_KEY.match(key):
            raise ValueError(f"run id {key!r} is not a safe file name")
        return self.runs_dir / key

    def working(self, key: str) -> Path:
        return self.run_dir(key) / self.published.name

    @classmethod
    def from_settings(cls, settings: Settings) -> WarehouseFiles:
        return cls(settings.warehouse_path, settings.duckdb_memory_limit)


def _identity(path: Path) -> dict | None:
    """What tells one published file from the next: every publish and restore renames a new file into place."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return {"inode": stat.st_ino, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _lock_run_dir(folder: Path) -> None:
    if folder in _HELD_LOCKS:
        return
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise WarehouseError(f"another live process is working in {folder}; wait for it to finish") from None
    _HELD_LOCKS[folder] = fd


def _release(folder: Path) -> None:
    fd = _HELD_LOCKS.pop(folder, None)
    if fd is not None:
        os.close(fd)


def _copy_hashing(source: Path, target: Path) -> str:
    """Copy `source` to `target` (the kernel copies) while another thread hashes `source`: nothing writes into a
    published file, so the bytes hashed are the bytes copied, in about the time of the slower of the two."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(file_sha256, source)
        shutil.copyfile(source, target)
        return digest.result()


def _recovery_advice(files: WarehouseFiles) -> str:
    """What to do about a damaged or unreadable published file: restore the published state's own snapshot if it
    is intact; else rebuild, or restore the newest intact snapshot, saying that it is another state."""
    rebuild = f"move {files.published} away and run again to rebuild everything from the sources"
    kept = list(reversed(snapshots(files)))
    own = _snapshots_of_published_state(files, kept)
    if (intact := next((p for p in own if _intact(p)), None)) is not None:
        return f"restore its own snapshot, verified, with `warehouse restore {intact.name}`, or {rebuild}"
    other = next((p for p in kept if p not in own and _intact(p)), None)
    if other is None:
        return f"no verified snapshot is kept: {rebuild}"
    run, alternative = _read_json(other.with_suffix(".json")).get("run_id"), f"`warehouse restore {other.name}`"
    if own and other.name < own[0].name:
        alternative += f" rolls the warehouse back to run {run}'s state (no intact snapshot is newer)"
    else:
        alternative += f" replaces it with run {run}'s state"
    state = f" (run {_read_json(own[0].with_suffix('.json')).get('run_id')}'s)" if own else ""
    return f"no intact snapshot holds the published state{state}: {rebuild}, or {alternative}"


def _snapshots_of_published_state(files: WarehouseFiles, kept: list[Path]) -> list[Path]:
    """The kept snapshots of the state the published file holds: the one that is the same file, and those whose
    sha256 is the one the integrity record gives for it."""
    recorded = _read_json(files.integrity)
    published_sha = recorded.get("sha256") if recorded.get("inode") == _inode(files.published) else None
    return [
        p
        for p in kept
        if _same_file(p, files.published)
        or (published_sha is not None and _read_json(p.with_suffix(".json")).get("sha256") == published_sha)
    ]


def _intact(snapshot: Path) -> bool:
    try:
        return verify_snapshot(snapshot) is None
    except WarehouseError:  # locked by another process, or out of memory: not known to be intact
        return False


def _open(path: Path, memory_limit: str) -> None:
    with connect(path, read_only=True, memory_limit=memory_limit) as con:
        con.execute("select count(*) from duckdb_tables()").fetchone()


def _unreadable_bytes(path: Path, memory_limit: str) -> str | None:
    """Why DuckDB cannot read the bytes of `path` (None: it reads them). What is not the bytes' fault is raised
    instead: a lock another process holds on the file (retried first, as every lock is), or too little memory."""
    try:
        retry_locked(lambda: _open(path, memory_limit), f"opening {path}")
    except duckdb.OutOfMemoryException as exc:
        raise WarehouseError(
            f"DuckDB ran out of memory opening {path} within DUCKDB_MEMORY_LIMIT={memory_limit}: raise it ({exc})"
        ) from exc
    except duckdb.Error as exc:
        if not is_transient(exc):
            return str(exc)
        holder = _LOCK_HOLDER.search(str(exc))
        raise WarehouseError(
            f"{path} is locked by another process{f' (pid {holder[1]})' if holder else ''} that holds it open for "
            f"writing, still after {MAX_RETRIES} retries: close that connection (readers open the file read-only) "
            f"and run again ({exc})"
        ) from exc
    return None


def _unreadable(files: WarehouseFiles, path: Path) -> WarehouseError | None:
    """Why DuckDB cannot read `path`, the published file or a copy of it, as the error to stop the run with."""
    problem = _unreadable_bytes(path, files.memory_limit)
    if problem is None:
        return None
    return WarehouseError(
        f"the published warehouse {files.published} is unreadable ({problem}); {_recovery_advice(files)}"
    )


def published_identity(files: WarehouseFiles) -> dict | None:
    """Which published file this is (None: none yet), to tell later whether another run replaced it. An
    unreadable one stops the run at once, with what to do."""
    base = _identity(files.published)
    if base is not None and (problem := _unreadable(files, files.published)) is not None:
        raise problem
    return base


def start_working_copy(files: WarehouseFiles, key: str, planned_from: dict | None | object = _UNPLANNED) -> Path:
    """The run's working file: a copy of the published warehouse (or a new file), never the published one.
    The copy is hashed on the way and compared with the sha256 recorded at publish, so a damaged published file
    stops the run with what to do instead of failing later on the copy. `planned_from`, when given, is the
    published file (published_identity) the run decided what to rebuild from: a newer one is refused."""
    folder = files.run_dir(key)
    folder.mkdir(parents=True, exist_ok=True)
    _lock_run_dir(folder)
    working = files.working(key)
    if working.exists():
        return working
    partial = working.with_suffix(".partial")
    _settled(files)
    base = _identity(files.published)
    if planned_from is not _UNPLANNED and base != planned_from:
        discard_working_copy(files, key)
        raise WarehouseError(
            f"{files.published} was replaced by {_latest_publisher(files)} while run {key} was deciding what to "
            "rebuild from it; run again to build on the current one"
        )
    if base is None:
        files.connect(partial).close()
    else:
        digest = _copy_hashing(files.published, partial)
        if (problem := _damaged(files, base["inode"], digest) or _unreadable(files, partial)) is not None:
            partial.unlink()
            raise problem
    (folder / "base.json").write_text(json.dumps({"published": base}))
    partial.replace(working)
    return working


def _damaged(files: WarehouseFiles, inode: int, digest: str) -> WarehouseError | None:
    """The published file's bytes (`digest`) against what was published: the integrity record when it names this
    file; otherwise (a file put there by hand, or a record older code wrote before a swap that never came) against
    every kept state, when any is kept."""
    recorded = _read_json(files.integrity)
    if recorded.get("inode") == inode:
        if recorded.get("sha256") == digest:
            return None
        why = f"its sha256 is {digest}, not {recorded.get('sha256')} as published by run {recorded.get('run_id')}"
    else:
        kept = {_read_json(p.with_suffix(".json")).get("sha256") for p in snapshots(files)}
        if not kept or digest in kept:
            return None
        why = f"no publish or restore swapped it in, and its sha256 {digest} is that of no kept snapshot"
    return WarehouseError(f"the published warehouse {files.published} is damaged: {why}; {_recovery_advice(files)}")


def existing_working_copy(files: WarehouseFiles, key: str) -> Path:
    """The working file a step after the ingest builds on; never silently a copy of the published file."""
    working = files.working(key)
    if not working.exists():
        raise WarehouseError(
            f"run {key} has no working warehouse at {working}: its ingest did not run, or a later run removed "
            "its leftovers. Start a new run instead of re-executing this one."
        )
    _lock_run_dir(working.parent)
    return working


def discard_working_copy(files: WarehouseFiles, key: str) -> None:
    """Remove a run's working files once it cannot publish: at scale each is a full copy of the warehouse."""
    folder = files.run_dir(key)
    _release(folder)
    shutil.rmtree(folder, ignore_errors=True)


def clean_dead_runs(files: WarehouseFiles, active_key: str) -> list[str]:
    """Remove the working folders no live process holds: runs that failed, were killed or were refused. A
    failed run can be re-executed from failure until the next run starts; after that it has to start anew."""
    removed = []
    if not files.runs_dir.exists():
        return removed
    for folder in sorted(files.runs_dir.iterdir()):
        if folder.name == active_key or not folder.is_dir() or folder in _HELD_LOCKS:
            continue
        fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a live run
        finally:
            os.close(fd)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    return removed


@contextmanager
def _publish_lock(files: WarehouseFiles):
    files.published.parent.mkdir(parents=True, exist_ok=True)
    with open(files.published.parent / ".publish.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write_durably(path: Path, data: dict) -> None:
    """Replace `path` with `data`, on disk before this returns: what a crash leaves is the last record, whole."""
    partial = _partial(path)
    partial.write_text(json.dumps(data, indent=2, allow_nan=False), encoding="utf-8")
    _fsync(partial)
    partial.replace(path)
    _fsync(path.parent)


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def _inode(path: Path) -> int | None:
    return (_identity(path) or {}).get("inode")


def write_json(path: Path, data: dict) -> None:
    """Replace `path` with `data` as strict JSON (no NaN: a missing number is null, or this raises), whole."""
    partial = _partial(path)
    partial.write_text(json.dumps(data, indent=2, default=str, allow_nan=False), encoding="utf-8")
    partial.replace(path)


def _latest_publisher(files: WarehouseFiles) -> str:
    recorded = _read_json(files.integrity)
    return f"run {recorded['run_id']}" if recorded.get("run_id") else "another process"


def publish(files: WarehouseFiles, key: str, keep: int) -> dict:
    """Atomically replace the published warehouse with the run's working file; keep it in history.

    Refused when the published file is no longer the one the run started from: another run published
    meanwhile, and this run's build, made from the older state, would overwrite the newer one."""
    working = files.working(key)
    if not working.exists():
        raise WarehouseError(f"run {key} has no working warehouse at {working}; nothing to publish")
    # fold any write-ahead log into the file so the renamed file is complete on its own
    with files.connect(working) as con:
        con.execute("checkpoint")
    if working.with_name(working.name + ".wal").exists():
        raise WarehouseError(f"{working}.wal remains after checkpoint; refusing to publish a partial file")
    with ThreadPoolExecutor(max_workers=1) as pool:  # the bytes are final: hash them while they reach the disk
        hashing = pool.submit(file_sha256, working)
        _fsync(working)
        digest = hashing.result()
    started_from = _read_json(files.run_dir(key) / "base.json").get("published", "unrecorded")
    published_at = datetime.now(UTC)
    with _publish_lock(files):
        _settle(files)
        if started_from != _identity(files.published):
            discard_working_copy(files, key)
            raise WarehouseError(
                f"not published: {files.published} was replaced by {_latest_publisher(files)} after run {key} "
                "started from it, and this run's build would overwrite the newer warehouse. Run again to build "
                "on the current one."
            )
        files.history_dir.mkdir(parents=True, exist_ok=True)
        name = f"{published_at:%Y%m%dT%H%M%S%fZ}_{key}.duckdb"
        pending = files.history_dir / f"{_PENDING}{name}"
        # Every earlier snapshot stops sharing the published file's inode once the new file is swapped in;
        # only the first has no earlier one, so it is a copy: damage to the published file never reaches all.
        if snapshots(files):
            _link_or_copy(working, pending)
        else:
            _durable_copy(working, pending)
        _fsync(files.history_dir)  # the snapshot is on disk before an intent that names it
        record = {"run_id": key, "published_at": published_at.isoformat(), "file": name, "sha256": digest}
        _swap_in(files, working, {"sha256": digest, "inode": working.stat().st_ino, "run_id": key, "snapshot": record})
        snapshot = files.history_dir / name
        pruned = _prune_history(files, keep)
    discard_working_copy(files, key)
    removed = clean_dead_runs(files, key)
    return {
        "snapshot": str(snapshot),
        "published_at": published_at.isoformat(),
        "pruned": pruned,
        "sha256": digest,
        "removed_dead_runs": removed,
    }


def _swap_in(files: WarehouseFiles, new: Path, intent: dict) -> None:
    """Rename `new` over the published file, its intent on disk first: a kill at any point leaves the published
    file whole, old or new, and the next _settle makes the record and history say which."""
    _write_durably(files.intent, intent)
    os.replace(new, files.published)
    _fsync(files.published.parent)
    _settle(files)


def _settle(files: WarehouseFiles) -> None:
    """Finish what a publish or restore killed after its swap left undone, and remove what one killed before it
    (or a prune killed midway) left. Under the publish lock, before anything reads the record or the history."""
    intent = _read_json(files.intent)
    if intent and intent.get("inode") == _inode(files.published):
        _commit(files, intent)
    _remove_leftovers(files)
    files.intent.unlink(missing_ok=True)
    _fsync(files.published.parent)


def _settled(files: WarehouseFiles) -> None:
    """_settle, taking the publish lock; nothing to settle where nothing was ever published."""
    if files.published.parent.exists():
        with _publish_lock(files):
            _settle(files)


def _commit(files: WarehouseFiles, intent: dict) -> None:
    """The published file is the one `intent` names: its record, then its snapshot (pending since before the swap)."""
    _write_durably(files.integrity, {key: intent[key] for key in ("sha256", "inode", "run_id")})
    if (record := intent.get("snapshot")) is not None:
        snapshot = files.history_dir / record["file"]
        _write_durably(snapshot.with_suffix(".json"), record)
        pending = snapshot.with_name(_PENDING + snapshot.name)
        if pending.exists():
            pending.replace(snapshot)


def _remove_leftovers(files: WarehouseFiles) -> None:
    for path in (files.restoring, _partial(files.integrity), _partial(files.intent)):
        path.unlink(missing_ok=True)
    if not files.history_dir.exists():
        return
    for path in files.history_dir.iterdir():
        # a record without its snapshot: pruned midway, or written by older code before a swap that never came
        orphan = path.suffix == ".json" and not path.with_suffix(".duckdb").exists()
        if orphan or path.name.startswith(_PENDING) or path.name.endswith(".partial"):
            path.unlink()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except FileNotFoundError:
        return False


def _link_or_copy(source: Path, target: Path) -> None:
    """A second name for the file, not a copy (the warehouse may be gigabytes): nothing writes into a published
    file, every run starts from a copy of it, so its snapshot can share it. A copy where links are refused."""
    try:
        os.link(source, target)
    except OSError:
        _durable_copy(source, target)


def _durable_copy(source: Path, target: Path) -> None:
    """A snapshot's copy on disk before the publish ends, as the published file is: a crash then loses no
    snapshot, and the copy's gigabytes are not still being written back during the next run."""
    shutil.copyfile(source, target)
    _fsync(target)


def snapshots(files: WarehouseFiles) -> list[Path]:
    return sorted(files.history_dir.glob("[0-9]*.duckdb")) if files.history_dir.exists() else []


def _prune_history(files: WarehouseFiles, keep: int) -> list[str]:
    kept = snapshots(files)
    newest_independent = next((p for p in reversed(kept) if not _same_file(p, files.published)), None)
    old = [p for p in kept[:-keep] if p != newest_independent]
    for path in old:
        path.unlink()
        path.with_suffix(".json").unlink(missing_ok=True)
    return [p.name for p in old]


def verify_snapshot(path: Path) -> str | None:
    """Why a kept snapshot cannot be restored (its bytes differ from what was published, or DuckDB cannot
    read it), or None when it is intact."""
    recorded = _read_json(path.with_suffix(".json")).get("sha256")
    if recorded is None:
        return "no sha256 was recorded when it was published"
    digest = file_sha256(path)
    if digest != recorded:
        return f"its sha256 is {digest}, not {recorded} as published"
    if (problem := _unreadable_bytes(path, DEFAULT_MEMORY_LIMIT)) is not None:
        return f"DuckDB cannot read it ({problem})"
    return None


def restore(files: WarehouseFiles, name: str) -> Path:
    """Publish a kept snapshot again (by file name or run id), atomically, after verifying it."""
    _settled(files)
    matches = [p for p in snapshots(files) if p.name == name or p.stem.endswith(f"_{name}")]
    if len(matches) != 1:
        kept = ", ".join(p.name for p in snapshots(files)) or "none"
        raise LookupError(f"no single snapshot matches {name!r}; kept: {kept}")
    problem = verify_snapshot(matches[0])
    if problem is not None:
        raise WarehouseError(f"not restored: snapshot {matches[0].name} is damaged: {problem}")
    record = _read_json(matches[0].with_suffix(".json"))
    with _publish_lock(files):
        _settle(files)
        shutil.copyfile(matches[0], files.restoring)
        _fsync(files.restoring)
        intent = {"sha256": record["sha256"], "inode": files.restoring.stat().st_ino, "run_id": record["run_id"]}
        _swap_in(files, files.restoring, intent)
    return matches[0]


def history_lines(files: WarehouseFiles) -> list[str]:
    _settled(files)
    lines = []
    for path in snapshots(files):
        info = _read_json(path.with_suffix(".json"))
        shared = " (the published file)" if _same_file(path, files.published) else ""
        lines.append(f"{path.name}\trun {info.get('run_id', '?')}\tpublished {info.get('published_at', '?')}{shared}")
    return lines
