"""Validate every source file before anything is written: all problems at once, each with file, line and reason.

The rows are read by DuckDB's own CSV reader into a private in-memory database and checked there in SQL, so the
cost stays close to what DuckDB itself needs at any size, and memory stays bounded (DuckDB spills). That database
outlives a validation that passes (Validation): the load writes schema `raw` from its typed tables, so each file
is parsed once. Only what SQL cannot do passes through Python: each distinct printed literal is parsed once, the
few rows that fail are formatted into messages, a file that is not one row per line is read once more for its
line numbers (records.py), and the document texts are hashed and searched. At most MAX_LISTED problems are listed
per file, the rest counted; a file with unreadable rows does not also make the rows that refer to it fail.

This module only runs the checks, in order; each concern's checks are a module of validation/ (listed in its
__init__.py), to be read on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..resources.connections import DEFAULT_MEMORY_LIMIT
from .changes import RunPlan, plan_run
from .fingerprints import recorded_files, source_files
from .source_files import SOURCES, Source
from .texts import TextReadings, read_texts
from .validation.documents import check_documents
from .validation.facts import check_claims_and_mentions, check_events_and_aliases
from .validation.figures import check_figures, check_literals
from .validation.files import keep, read
from .validation.problems import Checker, Problem, SourceValidationError, listed
from .validation.rows import check_cells, check_keys, check_reference_origins, check_references


@dataclass
class Validation:
    """A validation that passed: what the run reads (`plan`), the row count of each source read, the texts'
    accounting, and the connection holding the rows it read, typed, in tables named after their sources (_file,
    _line: where each row is), for the load to write raw from. Close it, or use it in a `with`, when done."""

    plan: RunPlan
    counts: dict[str, int]
    readings: TextReadings
    con: duckdb.DuckDBPyConnection

    def __enter__(self) -> Validation:
        return self

    def __exit__(self, *exc) -> None:
        self.con.close()


def validate_build(
    sources_dir: Path,
    documents_dir: Path | None = None,
    baseline: Path | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    con: duckdb.DuckDBPyConnection | None = None,
    on_plan: Callable[[RunPlan], None] | None = None,
) -> Validation:
    """Decide what this run reads (changes.plan_run against the warehouse `baseline` it starts from, if any),
    read and check it, and account for every number printed in the texts it reads; or raise
    SourceValidationError listing every problem found. The rows are checked in a database that keeps to
    `memory_limit` (DUCKDB_MEMORY_LIMIT), or in `con` when given (the benchmark floor's connection).
    `on_plan` is called with the plan as soon as it is known to rebuild something, while the catalogues have
    no problem (so once in every validation that passes and rebuilds): the ingest starts copying the published
    file then, beside the rest of the validation."""
    checker = Checker(sources_dir, baseline, memory_limit, con)
    try:
        recorded = recorded_files(checker.con, checker.baseline, sources_dir) if checker.baseline else None
        files = source_files(sources_dir, recorded)
        catalogues = [s for s in SOURCES if not s.per_document]
        for source in catalogues:
            read(checker, source, files)
        plan = plan_run(checker.con, files, checker.baseline, documents_dir)
        if on_plan is not None and not plan.rebuilds_nothing and not checker.problems:
            on_plan(plan)
        if plan.rebuilds_nothing and not checker.problems:
            # the very files the published build validated, with the same code: nothing more to check or load
            counts = {s.name: _rows(checker, s) if s in catalogues else 0 for s in SOURCES}
            return Validation(plan, counts, TextReadings(), checker.con)
        for source in SOURCES:
            if source.per_document:
                read(checker, source, files, plan)
            keep(checker, source, plan)
        for source in SOURCES:
            check_cells(checker, source)
            check_keys(checker, source)
            check_references(checker, source)
        check_reference_origins(checker)
        check_literals(checker)
        check_figures(checker)
        check_events_and_aliases(checker)
        check_claims_and_mentions(checker, plan.incremental)
        texts = check_documents(checker, documents_dir, plan.documents) if documents_dir is not None else {}
        readings = read_texts(checker.con, plan.documents, texts, documents_dir)
        checker.problems += [Problem(*problem) for problem in readings.problems]
        if checker.problems:
            raise SourceValidationError(listed(checker.problems, checker.unlisted))
        counts = {s.name: _rows(checker, s) for s in SOURCES}
        if checker.baseline is not None:
            # the load attaches the run's working file, this same file, to write it; DuckDB attaches a file once
            checker.con.execute(f"detach {checker.baseline}")
    except BaseException:
        checker.con.close()
        raise
    return Validation(plan, counts, readings, checker.con)


def _rows(checker: Checker, source: Source) -> int:
    return checker.con.execute(f"select count(*) from {source.name}").fetchone()[0]


def validate_run(
    sources_dir: Path, documents_dir: Path | None = None, baseline: Path | None = None
) -> tuple[RunPlan, dict[str, int]]:
    """validate_build without the texts' accounting or the load: the plan and the row count of each source read."""
    with validate_build(sources_dir, documents_dir, baseline) as validation:
        return validation.plan, validation.counts


def validate_sources(sources_dir: Path, documents_dir: Path | None = None) -> dict[str, int]:
    """Check every source file on its own, as a first build would; return the row count of each."""
    return validate_run(sources_dir, documents_dir)[1]
