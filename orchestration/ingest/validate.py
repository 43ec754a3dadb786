"""Validate every source file before anything is written: all problems at once, each with file, line and reason.

The rows are read by DuckDB's own CSV reader into a private in-memory database and checked there in SQL, so the
cost stays close to what DuckDB itself needs at any size, and memory stays bounded (DuckDB spills). Only what
SQL cannot do passes through Python: each distinct printed literal is parsed once, the few rows that fail are
formatted into messages, a file that is not one row per line is read once more for its line numbers
(records.py), and the document texts are hashed and searched. At most MAX_LISTED problems are listed per file,
the rest counted; a file with unreadable rows does not also make the rows that refer to it fail.

This module only runs the checks, in order; each concern's checks are a module of validation/ (listed in its
__init__.py), to be read on its own.
"""

from __future__ import annotations

from pathlib import Path

from .changes import RunPlan, plan_run, source_files
from .source_files import SOURCES, Source
from .texts import TextReadings, read_texts
from .validation.documents import check_documents
from .validation.facts import check_claims_and_mentions, check_events_and_aliases
from .validation.figures import check_figures, check_literals
from .validation.files import keep, read
from .validation.problems import Checker, Problem, SourceValidationError, listed
from .validation.rows import check_cells, check_keys, check_reference_origins, check_references


def validate_build(
    sources_dir: Path, documents_dir: Path | None = None, baseline: Path | None = None
) -> tuple[RunPlan, dict[str, int], TextReadings]:
    """Decide what this run reads (changes.plan_run against the warehouse `baseline` it starts from, if any),
    read and check it, and account for every number printed in the texts it reads; return the plan, the row
    count of each source read and the texts' accounting, or raise SourceValidationError listing every problem
    found."""
    checker = Checker(sources_dir, baseline)
    try:
        catalogues = [s for s in SOURCES if not s.per_document]
        for source in catalogues:
            read(checker, source)
        plan = plan_run(checker.con, source_files(sources_dir), checker.baseline)
        if plan.rebuilds_nothing and not checker.problems:
            # the very files the published build validated, with the same code: nothing more to check
            return plan, {s.name: _rows(checker, s) if s in catalogues else 0 for s in SOURCES}, TextReadings()
        for source in SOURCES:
            if source.per_document:
                read(checker, source, plan)
            keep(checker, source, plan)
        for source in SOURCES:
            check_cells(checker, source)
            check_keys(checker, source)
            check_references(checker, source)
        check_reference_origins(checker)
        check_literals(checker)
        check_figures(checker)
        check_events_and_aliases(checker)
        check_claims_and_mentions(checker)
        texts = check_documents(checker, documents_dir, plan.documents) if documents_dir is not None else {}
        readings = read_texts(checker.con, plan.documents, texts, documents_dir)
        checker.problems += [Problem(*stale) for stale in readings.stale]
        counts = {s.name: _rows(checker, s) for s in SOURCES}
    finally:
        checker.con.close()
    if checker.problems:
        raise SourceValidationError(listed(checker.problems, checker.unlisted))
    return plan, counts, readings


def _rows(checker: Checker, source: Source) -> int:
    return checker.con.execute(f"select count(*) from {source.name}").fetchone()[0]


def validate_run(
    sources_dir: Path, documents_dir: Path | None = None, baseline: Path | None = None
) -> tuple[RunPlan, dict[str, int]]:
    """validate_build without the texts' accounting: the plan and the row count of each source read."""
    return validate_build(sources_dir, documents_dir, baseline)[:2]


def validate_sources(sources_dir: Path, documents_dir: Path | None = None) -> dict[str, int]:
    """Check every source file on its own, as a first build would; return the row count of each."""
    return validate_run(sources_dir, documents_dir)[1]
