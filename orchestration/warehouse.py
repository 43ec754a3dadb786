"""Build, check, then publish: each run writes its own working file and swaps it in only when it is complete.

Readers keep the published file open or open it at any time: a run never writes to it. The swap is a rename on
the same file system, so a reader sees either the previous complete warehouse or the new one, never a part.
The replaced warehouse goes into `history/` (the last N are kept) so any of them can be restored.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import shutil
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .ingest.load import connect
from .settings import Settings

DEFAULT_HISTORY = 7
_RUN_ID = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class WarehouseFiles:
    published: Path

    @property
    def runs_dir(self) -> Path:
        return self.published.parent / ".runs"

    @property
    def history_dir(self) -> Path:
        return self.published.parent / "history"

    def working(self, run_id: str) -> Path:
        if not _RUN_ID.match(run_id):
            raise ValueError(f"run id {run_id!r} is not a safe file name")
        return self.runs_dir / run_id / self.published.name

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "WarehouseFiles":
        return cls((settings or Settings.from_env()).warehouse_path)


def history_size() -> int:
    raw = os.environ.get("WAREHOUSE_HISTORY", str(DEFAULT_HISTORY)).strip()
    if not raw.isdigit():
        raise ValueError(f"WAREHOUSE_HISTORY={raw!r} must be a whole number of snapshots to keep")
    return int(raw)


def start_working_copy(files: WarehouseFiles, run_id: str) -> Path:
    """The run's working file: a copy of the published warehouse (or a new file), never the published one."""
    working = files.working(run_id)
    if working.exists():
        return working
    working.parent.mkdir(parents=True, exist_ok=True)
    partial = working.with_suffix(".partial")
    if files.published.exists():
        shutil.copyfile(files.published, partial)
    else:
        connect(partial).close()
    partial.replace(working)
    return working


def discard_working_copy(files: WarehouseFiles, run_id: str) -> None:
    """Remove a run's working files once it cannot publish: at scale each is a full copy of the warehouse."""
    shutil.rmtree(files.working(run_id).parent, ignore_errors=True)


def readable_warehouse(files: WarehouseFiles, run_id: str) -> Path:
    """What a check in this run validates: the run's working file, or the published one if the run built none."""
    working = files.working(run_id)
    return working if working.exists() else files.published


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


def publish(files: WarehouseFiles, run_id: str, keep: int | None = None) -> dict:
    """Atomically replace the published warehouse with the run's working file; keep the old one in history."""
    working = files.working(run_id)
    if not working.exists():
        raise FileNotFoundError(f"run {run_id} has no working warehouse at {working}; nothing to publish")
    # fold any write-ahead log into the file so the renamed file is complete on its own
    with connect(working) as con:
        con.execute("checkpoint")
    if working.with_name(working.name + ".wal").exists():
        raise RuntimeError(f"{working}.wal remains after checkpoint; refusing to publish a partial file")
    _fsync(working)
    keep = history_size() if keep is None else keep
    published_at = datetime.now(timezone.utc)
    with _publish_lock(files):
        files.history_dir.mkdir(parents=True, exist_ok=True)
        snapshot = files.history_dir / f"{published_at:%Y%m%dT%H%M%S%fZ}_{run_id}.duckdb"
        # the history keeps the new warehouse too, so `restore` can return to any published state
        _link_or_copy(working, snapshot)
        (snapshot.with_suffix(".json")).write_text(json.dumps(
            {"run_id": run_id, "published_at": published_at.isoformat(), "file": snapshot.name}, indent=2))
        os.replace(working, files.published)
        _fsync(files.published.parent)
        pruned = _prune_history(files, keep)
    shutil.rmtree(working.parent, ignore_errors=True)
    return {"snapshot": str(snapshot), "published_at": published_at.isoformat(), "pruned": pruned}


def _link_or_copy(source: Path, target: Path) -> None:
    """A second name for the file, not a copy (the warehouse may be gigabytes): nothing writes into a published
    file, every run starts from a copy of it, so its snapshot can share it. A copy where links are refused."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def snapshots(files: WarehouseFiles) -> list[Path]:
    return sorted(files.history_dir.glob("*.duckdb")) if files.history_dir.exists() else []


def _prune_history(files: WarehouseFiles, keep: int) -> list[str]:
    old = snapshots(files)[:-keep] if keep > 0 else snapshots(files)
    for path in old:
        path.unlink()
        path.with_suffix(".json").unlink(missing_ok=True)
    return [p.name for p in old]


def restore(files: WarehouseFiles, name: str) -> Path:
    """Publish a kept snapshot again (by file name or run id), atomically."""
    matches = [p for p in snapshots(files) if p.name == name or p.stem.endswith(f"_{name}")]
    if len(matches) != 1:
        kept = ", ".join(p.name for p in snapshots(files)) or "none"
        raise LookupError(f"no single snapshot matches {name!r}; kept: {kept}")
    with _publish_lock(files):
        staging = files.published.with_name(files.published.name + ".restoring")
        shutil.copyfile(matches[0], staging)
        _fsync(staging)
        os.replace(staging, files.published)
        _fsync(files.published.parent)
    return matches[0]


def clean_abandoned_runs(files: WarehouseFiles, active_run_id: str, older_than_hours: float = 24) -> list[str]:
    """Remove working files of runs that died (killed, crashed) long ago; never a run that may still be going."""
    removed = []
    cutoff = datetime.now(timezone.utc).timestamp() - older_than_hours * 3600
    if files.runs_dir.exists():
        for folder in files.runs_dir.iterdir():
            if folder.name != active_run_id and folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.warehouse",
                                     description="List or restore published warehouse snapshots.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("history", help="list kept snapshots, oldest first")
    restore_cmd = sub.add_parser("restore", help="publish a kept snapshot again")
    restore_cmd.add_argument("snapshot", help="snapshot file name or run id")
    args = parser.parse_args(argv)
    files = WarehouseFiles.from_settings()
    if args.command == "history":
        for path in snapshots(files):
            meta = path.with_suffix(".json")
            info = json.loads(meta.read_text()) if meta.exists() else {}
            print(f"{path.name}\trun {info.get('run_id', '?')}\tpublished {info.get('published_at', '?')}")
        return 0
    try:
        restored = restore(files, args.snapshot)
    except LookupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"restored {restored.name} to {files.published}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
