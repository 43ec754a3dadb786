"""Load validated source files into DuckDB schema `raw` with DuckDB's own CSV reader, each cell read as the
validation read it (reading.py)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb

from ..settings import DEFAULTS
from .changes import RunPlan
from .reading import blank, identifier, read_csv, text_cells, typed_cells
from .source_files import SOURCES, Source
from .texts import TEXT_TABLES, TextReadings

# Files written with duckdb 2.0 defaults are unreadable by duckdb-cli 1.5 (storage version 69 vs 64-68).
# The storage version is fixed when a file is created, so every file we create uses the older format.
STORAGE_COMPATIBILITY = "v1.2.0"


# DuckDB takes 80% of the machine by default; the pipeline's own connections stay within this and spill to disk
# beyond it, so the Dagster process stays bounded whatever the size of the sources.
MEMORY_LIMIT = os.environ.get("DUCKDB_MEMORY_LIMIT") or DEFAULTS["DUCKDB_MEMORY_LIMIT"]


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


def _read_csv(source: Source, files: list[Path], sources_dir: Path) -> tuple[str, dict]:
    if not files:  # an optional source without files: its table, empty
        cells = ", ".join(f"null::varchar as {identifier(c.name)}" for c in source.columns)
        return f"select {typed_cells(source)}, null::varchar as _source_file from (select {cells}) where false", {}
    return (
        f"""
        select {typed_cells(source)}, replace(filename, $prefix, '') as _source_file
        from (select {text_cells(source)}, filename from {read_csv(source, "$files", "filename = true")})
        where not ({blank(source)})""",
        {"files": [str(p) for p in files], "prefix": str(sources_dir.parent) + "/"},
    )


def load_source(con: duckdb.DuckDBPyConnection, source: Source, sources_dir: Path, plan: RunPlan | None = None) -> int:
    """Replace the source's raw table; in an incremental run, only the rows of the documents the run rebuilds."""
    files = [p for p in source.files(sources_dir) if plan is None or plan.reads(source, p)]
    if plan is not None and plan.incremental and source.per_document:
        con.execute(
            f"delete from raw.{source.name} where document_id in (select unnest($docs::varchar[]))",
            {"docs": sorted(plan.documents)},
        )
        if files:
            query, params = _read_csv(source, files, sources_dir)
            con.execute(f"insert into raw.{source.name} {query}", params)
    else:
        query, params = _read_csv(source, files, sources_dir)
        con.execute(f"create or replace table raw.{source.name} as {query}", params)
    return con.execute(f"select count(*) from raw.{source.name}").fetchone()[0]


def load_texts(con: duckdb.DuckDBPyConnection, readings: TextReadings, plan: RunPlan | None = None) -> dict[str, int]:
    """Replace the rows of the documents the run read in raw.text_numbers and raw.document_texts (every row in a
    full run); a kept document's rows stay as the run that read its text wrote them."""
    counts = {}
    for table, columns in TEXT_TABLES.items():
        rows = readings.numbers if table == "text_numbers" else readings.texts
        typed = ", ".join(f'"{name}" {kind}' for name, kind in columns.items())
        if plan is not None and plan.incremental:
            con.execute(f"create table if not exists raw.{table} ({typed})")
            con.execute(
                f"delete from raw.{table} where document_id in (select unnest($docs::varchar[]))",
                {"docs": sorted(plan.documents)},
            )
        else:
            con.execute(f"create or replace table raw.{table} ({typed})")
        if rows:
            con.executemany(f"insert into raw.{table} values ({', '.join('?' * len(columns))})", rows)
        counts[table] = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
    return counts


def record_build(con: duckdb.DuckDBPyConnection, plan: RunPlan) -> None:
    """Schema `ingest`: what this warehouse was built from, for the next run to compare against, and what this
    run rebuilds, for the dbt models and the checks to work on (changes.py decides it, dbt_selection.py turns it
    into dbt commands). dbt's on-run-end hook fills ingest.models_rebuilt; the dbt step keeps its manifest in
    ingest.dbt_manifest."""
    con.execute("create schema if not exists ingest")
    con.execute(
        "create or replace table ingest.source_files (source varchar, file varchar, document_id varchar, "
        "sha256 varchar)"
    )
    con.executemany(
        "insert into ingest.source_files values (?, ?, ?, ?)",
        [(f.source, f.relative, f.document_id, f.sha256) for f in plan.files],
    )
    documents = plan.documents if plan.incremental else plan.documents | _all_documents(con)
    con.execute(
        "create or replace table ingest.run_scope as select unnest($docs::varchar[]) as document_id",
        {"docs": sorted(documents)},
    )
    con.execute("create or replace table ingest.suites (suite varchar, sha256 varchar, every_row boolean)")
    con.executemany(
        "insert into ingest.suites values (?, ?, ?)",
        [(name, digest, name in plan.suites_every_row) for name, digest in sorted(plan.code.suites.items())],
    )
    con.execute("create or replace table ingest.models_rebuilt (model varchar, every_document boolean)")
    con.execute(
        """create or replace table ingest.build as select $mode as mode, $reason as reason,
        $changed::varchar[] as changed_sources, $dbt_changed as dbt_changed, $ingest_hash as ingest_hash,
        $dbt_hash as dbt_hash, $check_hash as check_hash""",
        {
            "mode": plan.mode,
            "reason": plan.reason,
            "changed": sorted(plan.changed_sources),
            "dbt_changed": plan.dbt_changed,
            "ingest_hash": plan.code.ingest,
            "dbt_hash": plan.code.dbt,
            "check_hash": plan.code.checks,
        },
    )


def _all_documents(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {doc for (doc,) in con.execute("select document_id from raw.documents").fetchall()}


def load_all(
    con: duckdb.DuckDBPyConnection, sources_dir: Path, plan: RunPlan | None = None, readings: TextReadings | None = None
) -> dict[str, int]:
    """Load the raw tables (every one, or what `plan` says this run reads), the texts' accounting and record the
    build, in one transaction: readers of the file never see half a load."""
    counts = {}
    con.execute("begin transaction")
    try:
        con.execute("create schema if not exists raw")
        for source in SOURCES:
            counts[source.name] = load_source(con, source, sources_dir, plan)
        counts.update(load_texts(con, readings or TextReadings(), plan))
        if plan is not None:
            record_build(con, plan)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return counts


def draft_figures_waiting(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The draft figures of every document (kept or re-read this run) per source file: raw holds them, staging
    leaves them out."""
    return dict(
        con.execute(
            "select _source_file, count(*) from raw.figures where review_status = 'draft' group by 1 order by 1"
        ).fetchall()
    )


def waiting_lines(waiting: dict[str, int]) -> list[str]:
    return [f"{n} draft figure{'s' if n != 1 else ''} waiting for review in {file}" for file, n in waiting.items()]
