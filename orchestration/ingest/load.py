"""Load validated source files into DuckDB schema `raw` with DuckDB's own CSV reader."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import duckdb

from .source_files import SOURCES, Source

# Files written with duckdb 2.0 defaults are unreadable by duckdb-cli 1.5 (storage version 69 vs 64-68).
# The storage version is fixed when a file is created, so every file we create uses the older format.
STORAGE_COMPATIBILITY = "v1.2.0"


# DuckDB takes 80% of the machine by default; the pipeline's own connections stay within this and spill to disk
# beyond it, so the Dagster process stays bounded whatever the size of the sources.
MEMORY_LIMIT = os.environ.get("DUCKDB_MEMORY_LIMIT", "1GB")


def connect(path: Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to a warehouse file, or (no path) a private in-memory database that spills to a temporary
    folder; every one keeps to MEMORY_LIMIT."""
    config = {"memory_limit": MEMORY_LIMIT}
    if path is None:
        return duckdb.connect(config={**config, "temp_directory": tempfile.gettempdir()})
    if read_only:
        return duckdb.connect(str(path), read_only=True, config=config)
    path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), config={**config, "storage_compatibility_version": STORAGE_COMPATIBILITY})


def _columns_struct(source: Source) -> str:
    # Built from the declarations in source_files.py only, never from file contents.
    return "{" + ", ".join(f"'{c.name}': '{c.sql_type}'" for c in source.columns) + "}"


def load_source(con: duckdb.DuckDBPyConnection, source: Source, sources_dir: Path) -> int:
    files = [str(p) for p in source.files(sources_dir)]
    prefix = str(sources_dir.parent) + "/"
    con.execute(
        f"""
        create or replace table raw.{source.name} as
        select * exclude (filename), replace(filename, $prefix, '') as _source_file
        from read_csv($files, header = true, auto_detect = false, filename = true,
                      quote = '"', escape = '"', delim = ',', columns = {_columns_struct(source)})
        """,
        {"files": files, "prefix": prefix},
    )
    return con.execute(f"select count(*) from raw.{source.name}").fetchone()[0]


def load_all(con: duckdb.DuckDBPyConnection, sources_dir: Path) -> dict[str, int]:
    """Replace every raw table in one transaction: readers of the file never see half a load."""
    counts = {}
    con.execute("begin transaction")
    try:
        con.execute("create schema if not exists raw")
        for source in SOURCES:
            counts[source.name] = load_source(con, source, sources_dir)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_checksums(source: Source, sources_dir: Path) -> dict[str, str]:
    """sha256 of every file of a source, read in blocks: source files may be gigabytes."""
    return {str(p.relative_to(sources_dir.parent)): _sha256(p) for p in source.files(sources_dir)}
