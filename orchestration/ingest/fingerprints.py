"""What each source file and document text is, as a run compares it with the published build: its sha256 and its
line count.

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

The document texts a build checked its literals against are recorded the same way, in ingest.texts (a document
without a row there was not checked against its text), beside the source files of ingest.source_files.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..resources.connections import columns
from .records import LineCount
from .source_files import SOURCES

# the coarsest timestamp resolution of a common file system (FAT: 2 s), with a second to spare
RACY_SECONDS = 3
# SourceFile.source of a document text (in DOCUMENTS_DIR, named by its file name there)
TEXTS = "texts"


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


def _fingerprint(source: str, path: Path, relative: str, document: str | None, known: SourceFile | None) -> SourceFile:
    """A file's fingerprint, taken from `known` (what the published build recorded of it) when the file is still
    as it was hashed, else from one pass over its bytes."""
    # stat before reading: a write during the read leaves a newer time than the one recorded
    stat = path.stat()
    if _still_as_hashed(known, stat):
        digest, lines, hashed_at = known.sha256, known.lines, known.hashed_at_ns
    else:
        hashed_at = time.time_ns()
        digest, lines = _checksum_and_lines(path)
    return SourceFile(
        source, path, relative, document, digest, lines, stat.st_size, stat.st_mtime_ns, stat.st_ino, hashed_at
    )


def source_files(sources_dir: Path, recorded: Mapping[str, SourceFile] | None = None) -> tuple[SourceFile, ...]:
    """Every source file with its checksum and its line count, taken from `recorded` (by relative path: what the
    published build recorded) for a file still as it was hashed, else from one pass over its bytes."""
    recorded = recorded or {}
    found = []
    for source in SOURCES:
        for path in source.files(sources_dir):
            relative = str(path.relative_to(sources_dir))
            document = path.stem if source.per_document else None
            found.append(_fingerprint(source.name, path, relative, document, recorded.get(relative)))
    return tuple(found)


def text_files(
    documents_dir: Path, named: Iterable[tuple[str, str]], recorded: Mapping[str, SourceFile]
) -> tuple[SourceFile, ...]:
    """The text of each document of `named` (document_id, file name) that is in `documents_dir`, fingerprinted as
    source_files does, from `recorded` (by document: the texts the published build checked) when still as hashed."""
    found = []
    for document, file_name in named:
        path = documents_dir / file_name
        if path.is_file():
            known = recorded.get(document)
            same_file = known is not None and known.relative == file_name
            found.append(_fingerprint(TEXTS, path, file_name, document, known if same_file else None))
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
    """Tables ingest.source_files, every source file the build was made from, and ingest.texts, every document
    text its literals were checked against (TEXTS among `files`), for the next run to compare against."""
    for table, texts in (("ingest.source_files", False), ("ingest.texts", True)):
        con.execute(f"create or replace table {table} ({', '.join(f'{n} {t}' for n, t in _COLUMNS)})")
        rows = [_row(f) for f in files if (f.source == TEXTS) is texts]
        if rows:  # a build without texts checks none
            con.executemany(f"insert into {table} values ({', '.join('?' * len(_COLUMNS))})", rows)


def _row(f: SourceFile) -> tuple:
    return (f.source, f.relative, f.document_id, f.sha256, f.lines, f.size, f.mtime_ns, f.inode, f.hashed_at_ns)


def recorded_files(con: duckdb.DuckDBPyConnection, catalog: str, sources_dir: Path) -> dict[str, SourceFile]:
    """What the warehouse attached as `catalog` recorded of each file, by relative path; nothing from a warehouse
    recorded before the files' sizes and times were."""
    if not {n for n, _ in _COLUMNS} <= columns(con, catalog, "ingest.source_files"):
        return {}
    rows = con.execute(f"select {', '.join(n for n, _ in _COLUMNS)} from {catalog}.ingest.source_files").fetchall()
    return {
        file: SourceFile(source, sources_dir / file, file, document, *rest) for source, file, document, *rest in rows
    }


def recorded_texts(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, SourceFile]:
    """The texts the warehouse attached as `catalog` checked its documents' literals against, by document."""
    rows = con.execute(f"select {', '.join(n for n, _ in _COLUMNS)} from {catalog}.ingest.texts").fetchall()
    return {document: SourceFile(source, Path(file), file, document, *rest) for source, file, document, *rest in rows}


def changed_since(connect, working: Path, sources_dir: Path) -> list[str]:
    """The source files (relative paths) added, edited or removed since the build in `working` recorded them:
    what a re-execution of that build would not see."""
    with connect(working, read_only=True) as con:
        (catalog,) = con.execute("select current_database()").fetchone()
        recorded = recorded_files(con, catalog, sources_dir)
    now = {f.relative: f.sha256 for f in source_files(sources_dir, recorded)}
    before = {relative: f.sha256 for relative, f in recorded.items()}
    return sorted(relative for relative in now.keys() | before.keys() if now.get(relative) != before.get(relative))
