"""Every DuckDB connection the pipeline opens itself (dbt opens its own, through its profile), and what one finds in
a database it attached."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from ..settings import DEFAULTS

# Files written with duckdb 2.0 defaults are unreadable by duckdb-cli 1.5 (storage version 69 vs 64-68).
# The storage version is fixed when a file is created, so every file we create uses the older format.
STORAGE_COMPATIBILITY = "v1.2.0"
# DuckDB takes 80% of the machine by default; the pipeline's own connections stay within DUCKDB_MEMORY_LIMIT and
# spill to disk beyond it, so the Dagster process stays bounded whatever the size of the sources.
DEFAULT_MEMORY_LIMIT = DEFAULTS["DUCKDB_MEMORY_LIMIT"]


def connect(
    path: Path | None = None, read_only: bool = False, memory_limit: str = DEFAULT_MEMORY_LIMIT
) -> duckdb.DuckDBPyConnection:
    """A connection to a warehouse file, or (no path) a private in-memory database that spills to a temporary
    folder; every one keeps to `memory_limit`."""
    config = {"memory_limit": memory_limit}
    if path is None:
        return duckdb.connect(config={**config, "temp_directory": tempfile.gettempdir()})
    if read_only:
        return duckdb.connect(str(path), read_only=True, config=config)
    path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), config={**config, "storage_compatibility_version": STORAGE_COMPATIBILITY})


def tables(con: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    """The tables of the attached database `catalog`, as schema.name."""
    return {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = ?", [catalog]
        ).fetchall()
    }


def columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> set[str]:
    """The column names of `table` (schema.name) in the attached database `catalog`; none when it has no such table."""
    schema, name = table.split(".")
    return {
        c
        for (c,) in con.execute(
            "select column_name from duckdb_columns() where database_name = ? and schema_name = ? and table_name = ?",
            [catalog, schema, name],
        ).fetchall()
    }
