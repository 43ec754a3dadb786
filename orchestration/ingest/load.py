"""Load validated source files into DuckDB schema `raw`: the rows the validation read and typed (validate.py),
written into the run's working file, so that each file is read once and what was validated is what is loaded."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..resources.connections import STORAGE_COMPATIBILITY
from .changes import RunPlan
from .fingerprints import record_files
from .reading import identifier
from .source_files import SOURCES, Source
from .texts import TEXT_TABLES, TextReadings
from .validate import Validation


def _validated_rows(source: Source, validated: str) -> str:
    """SQL: the rows of a source the validation read (in catalog `validated`), as raw holds them."""
    columns = ", ".join(identifier(name) for name in source.column_names)
    return f"select {columns}, _file as _source_file from {validated}.main.{source.name}"


def load_source(con: duckdb.DuckDBPyConnection, source: Source, validated: str, plan: RunPlan) -> int:
    """Replace the source's raw table with the rows the validation read; in an incremental run, only the rows of
    the documents the run rebuilds (the validation read only their files)."""
    rows = _validated_rows(source, validated)
    if plan.incremental and source.per_document:
        con.execute(
            f"delete from raw.{source.name} where document_id in (select unnest($docs::varchar[]))",
            {"docs": sorted(plan.documents)},
        )
        con.execute(f"insert into raw.{source.name} {rows}")
    else:
        con.execute(f"create or replace table raw.{source.name} as {rows}")
    return con.execute(f"select count(*) from raw.{source.name}").fetchone()[0]


def load_texts(con: duckdb.DuckDBPyConnection, readings: TextReadings, plan: RunPlan) -> dict[str, int]:
    """Replace the rows of the documents the run read in raw.text_numbers and raw.document_texts (every row in a
    full run); a kept document's rows stay as the run that read its text wrote them."""
    counts = {}
    for table, columns in TEXT_TABLES.items():
        rows = readings.rows(table)
        typed = ", ".join(f'"{name}" {kind}' for name, kind in columns.items())
        if plan.incremental:
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
    record_files(con, plan.files)
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


def load_all(validation: Validation, working: Path) -> dict[str, int]:
    """Write the raw tables of the warehouse file `working` (every one, or what the plan says this run reads) from
    the rows `validation` read, with the texts' accounting and the record of the build, in one transaction: readers
    of the file never see half a load. The validation's connection then works on `working` (its default
    catalog), and keeps to its memory limit throughout, spilling beyond it."""
    con, plan = validation.con, validation.plan
    validated = con.execute("select current_database()").fetchone()[0]
    # a file the attach creates gets the format of every file we create; an existing one keeps its own
    con.execute(f"set storage_compatibility_version = '{STORAGE_COMPATIBILITY}'")
    con.execute("attach $path as warehouse", {"path": str(working)})
    con.execute("use warehouse")
    counts = {}
    con.execute("begin transaction")
    try:
        con.execute("create schema if not exists raw")
        for source in SOURCES:
            counts[source.name] = load_source(con, source, validated, plan)
        counts.update(load_texts(con, validation.readings, plan))
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
