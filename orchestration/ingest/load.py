"""Load validated source files into DuckDB schema `raw` with DuckDB's own CSV reader, each cell read as the
validation read it (reading.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from .changes import RunPlan
from .reading import blank, identifier, read_csv, text_cells, typed_cells
from .source_files import SOURCES, Source
from .texts import NUMBER_COLUMNS, TEXT_COLUMNS, TextReadings

# the tables the texts' accounting fills (texts.py), with their columns' types
TEXT_TABLES = {
    "text_numbers": dict(
        zip(
            NUMBER_COLUMNS,
            (
                "varchar",
                "varchar",
                "integer",
                "integer",
                "varchar",
                "varchar",
                "integer",
                "varchar",
                "varchar",
                "varchar",
                "varchar",
            ),
            strict=True,
        )
    ),
    "document_texts": dict(zip(TEXT_COLUMNS, ("varchar", "varchar", "boolean", "varchar"), strict=True)),
}


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
    """Schema `ingest`: what this warehouse was built from, for the next run to compare against, and which
    documents this run rebuilt, for the dbt models and checks to work on."""
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
    con.execute(
        "create or replace table ingest.build as select $mode as mode, $reason as reason, $hash as transform_hash",
        {"mode": plan.mode, "reason": plan.reason, "hash": plan.transform_hash},
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
