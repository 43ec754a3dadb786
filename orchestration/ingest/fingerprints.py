"""What each source file is, as a run compares it with the published build: its sha256 and its line count.

Hashing every file is the one pass over all of the sources' bytes a run makes, even when nothing changed (3 GB
at 10 million figures). So, as make, rsync and git do, a file is not read again when it is the very file the
published build hashed: the same size, modification time and inode as recorded then. Two guards keep that safe:
- an edit rewrites the file in place (a new modification time) or renames a new file into place (a new inode),
  and either makes the file hashed again;
- a file modified within RACY_SECONDS before it was hashed could be modified again within its timestamp's
  resolution without its time changing, so its record is never trusted: it is hashed again, every run, until a
  run hashes it long enough after its last change.
A file changed while keeping its size, time and inode (its time set back on purpose) is not seen; a full build
(a warehouse moved away) hashes every file.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..resources.connections import columns
from .records import LineCount
from .source_files import SOURCES

# the coarsest timestamp resolution of a common file system (FAT: 2 s), with a second to spare
RACY_SECONDS = 3


@dataclass(frozen=True)
class SourceFile:
    source: str
    path: Path
    relative: str  # relative to the sources folder, so a moved or renamed folder is not a change
    document_id: str | None  # per-document files only
    sha256: str
    lines: int  # physical lines (records.LineCount): the validation tells a file of one row per line by them
    size: int
    mtime_ns: int
    inode: int
    hashed_at_ns: int  # when its bytes were read for sha256 and lines, by this run or an earlier one


def _blocks(path: Path) -> Iterator[bytes]:
    """A file's bytes in blocks: files may be gigabytes."""
    with path.open("rb") as handle:
        yield from iter(lambda: handle.read(1 << 20), b"")


def sha256(path: Path, count: LineCount | None = None) -> str:
    """A file's sha256, from one pass over it; `count`, when given, counts its lines on the way (a source file's;
    the warehouse's gigabytes are hashed without)."""
    digest = hashlib.sha256()
    for block in _blocks(path):
        digest.update(block)
        if count is not None:
            count.update(block)
    return digest.hexdigest()


def _checksum_and_lines(path: Path) -> tuple[str, int]:
    """A source file's sha256 and its physical lines, from one pass over it."""
    count = LineCount()
    return sha256(path, count), count.lines


def _still_as_hashed(known: SourceFile | None, stat: os.stat_result) -> bool:
    return (
        known is not None
        and (known.size, known.mtime_ns, known.inode) == (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        and known.mtime_ns < known.hashed_at_ns - RACY_SECONDS * 1_000_000_000
    )


def source_files(sources_dir: Path, recorded: Mapping[str, SourceFile] | None = None) -> tuple[SourceFile, ...]:
    """Every source file with its checksum and its line count, taken from `recorded` (by relative path: what the
    published build recorded) for a file still as it was hashed, else from one pass over its bytes."""
    recorded = recorded or {}
    found = []
    for source in SOURCES:
        for path in source.files(sources_dir):
            relative = str(path.relative_to(sources_dir))
            # stat before reading: a write during the read leaves a newer time than the one recorded
            stat, known = path.stat(), recorded.get(relative)
            if _still_as_hashed(known, stat):
                digest, lines, hashed_at = known.sha256, known.lines, known.hashed_at_ns
            else:
                hashed_at = time.time_ns()
                digest, lines = _checksum_and_lines(path)
            found.append(
                SourceFile(
                    source.name,
                    path,
                    relative,
                    path.stem if source.per_document else None,
                    digest,
                    lines,
                    stat.st_size,
                    stat.st_mtime_ns,
                    stat.st_ino,
                    hashed_at,
                )
            )
    return tuple(found)


_COLUMNS = (
    ("source", "varchar"),
    ("file", "varchar"),
    ("document_id", "varchar"),
    ("sha256", "varchar"),
    ("lines", "bigint"),
    ("size", "bigint"),
    ("mtime_ns", "bigint"),
    ("inode", "ubigint"),
    ("hashed_at_ns", "bigint"),
)


def record_files(con: duckdb.DuckDBPyConnection, files: tuple[SourceFile, ...]) -> None:
    """Table ingest.source_files: every file the build was made from, for the next run to compare against."""
    con.execute(f"create or replace table ingest.source_files ({', '.join(f'{n} {t}' for n, t in _COLUMNS)})")
    con.executemany(
        f"insert into ingest.source_files values ({', '.join('?' * len(_COLUMNS))})",
        [
            (f.source, f.relative, f.document_id, f.sha256, f.lines, f.size, f.mtime_ns, f.inode, f.hashed_at_ns)
            for f in files
        ],
    )


def recorded_files(con: duckdb.DuckDBPyConnection, catalog: str, sources_dir: Path) -> dict[str, SourceFile]:
    """What the warehouse attached as `catalog` recorded of each file, by relative path; nothing from a warehouse
    recorded before the files' sizes and times were."""
    if not {n for n, _ in _COLUMNS} <= columns(con, catalog, "ingest.source_files"):
        return {}
    rows = con.execute(f"select {', '.join(n for n, _ in _COLUMNS)} from {catalog}.ingest.source_files").fetchall()
    return {
        file: SourceFile(source, sources_dir / file, file, document, *rest) for source, file, document, *rest in rows
    }


def changed_since(connect, working: Path, sources_dir: Path) -> list[str]:
    """The source files (relative paths) added, edited or removed since the build in `working` recorded them:
    what a re-execution of that build would not see."""
    with connect(working, read_only=True) as con:
        (catalog,) = con.execute("select current_database()").fetchone()
        recorded = recorded_files(con, catalog, sources_dir)
    now = {f.relative: f.sha256 for f in source_files(sources_dir, recorded)}
    before = {relative: f.sha256 for relative, f in recorded.items()}
    return sorted(relative for relative in now.keys() | before.keys() if now.get(relative) != before.get(relative))
