"""Reading the source files a run reads, and keeping the rows of those it does not.

Each file is read by DuckDB's CSV reader into table `<source>` (typed) and `<source>_text` (the cells as printed),
every row with its file and line, so that any later check can name where a problem is; the load writes raw from
`<source>`, so no file is parsed twice. A file that is not one row
per line is read once more for its line numbers (records.py); one whose header or records cannot be read is
reported here, and recorded in table `incomplete` so that rows referring to its unread rows are not also reported.
In an incremental run, view `<source>_kept` holds the rows of the documents kept from the warehouse it starts from.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from ..changes import RunPlan
from ..fingerprints import SourceFile
from ..reading import blank, identifier, read_csv, text_cells, typed_cells
from ..records import scan
from ..source_files import Source
from .problems import Checker, Problem
from .rows import sql_text


def _relative(sources_dir: Path, path: Path) -> str:
    try:
        return str(path.relative_to(sources_dir.parent))
    except ValueError:
        return str(path)


def _header_ok(checker: Checker, source: Source, path: Path, rel: str) -> bool:
    with path.open("rb") as handle:
        first = handle.readline()
    try:
        header = next(csv.reader([first.decode("utf-8")], strict=True), [])
    except UnicodeDecodeError as exc:
        checker.problems.append(
            Problem(rel, 1, f"not UTF-8: byte 0x{first[exc.start]:02x} at position {exc.start + 1} of the line")
        )
        return False
    except csv.Error as exc:
        checker.problems.append(Problem(rel, 1, f"unreadable CSV header: {exc}"))
        return False
    if header == source.column_names:
        return True
    missing = [c for c in source.column_names if c not in header]
    extra = [c for c in header if c not in source.column_names]
    detail = f"missing {missing}" if missing else ""
    detail += f"{'; ' if detail else ''}unexpected {extra}" if extra else ""
    checker.problems.append(
        Problem(rel, 1, f"header does not match the {source.name} format ({detail or 'columns out of order'})")
    )
    return False


def _lines(
    checker: Checker,
    source: Source,
    file: SourceFile,
    rel: str,
    document: str | None,
    rows: int | None,
    error: str = "",
) -> str | None:
    """SQL `<line of each row> from <table numbered, with what it needs>`, or None when the `rows` rows DuckDB
    read (None: it stopped with `error`) cannot be placed on their lines; reports the records that are not
    well-formed."""
    if rows is not None and file.lines == rows + 1:
        return "_row + 2 from numbered"
    records = scan(file.path, len(source.columns))
    checker.problems += [Problem(rel, line, reason) for line, reason in records.problems]
    checker.unlisted[rel] += records.malformed - len(records.problems)
    if records.malformed or records.well_formed != rows:
        checker.incomplete(source, document)
    if records.well_formed != rows:
        if not records.malformed:
            checker.problems.append(
                Problem(
                    rel,
                    0,
                    f"unreadable CSV: {error}"
                    if rows is None
                    else f"DuckDB's CSV reader reads {rows} rows, but the file holds "
                    f"{records.well_formed} well-formed records",
                )
            )
        return None
    positions, lines = records.starts
    checker.con.execute(
        "create or replace temp table starts as "
        "select unnest($positions::bigint[]) as _position, unnest($lines::bigint[]) as _start",
        {"positions": list(positions), "lines": list(lines)},
    )
    return "coalesce(_start + _row - _position, _row + 2) from numbered asof left join starts on _row >= _position"


def read(checker: Checker, source: Source, files: tuple[SourceFile, ...], plan: RunPlan | None = None) -> None:
    """Load the files of a source (among `files`, fingerprints.source_files) this run reads as cells with their file and
    line, reporting malformed rows; a file with rows left unread is recorded in table `incomplete`."""
    cells = ", ".join(f"{identifier(n)} varchar" for n in source.column_names)
    checker.con.execute(f"create table {source.name}_text ({cells}, _file varchar, _line bigint)")
    files = [f for f in files if f.source == source.name]
    if not files and not source.optional:
        checker.problems.append(Problem(f"{checker.sources_dir.name}/{source.pattern}", 0, "no such file"))
        checker.incomplete(source, None)
    if plan is not None:
        files = [f for f in files if plan.reads(source, f.path)]
    for file in files:
        path = file.path
        rel = _relative(checker.sources_dir, path)
        document = path.stem if source.per_document else None
        if not _header_ok(checker, source, path, rel):
            checker.incomplete(source, document)
            continue
        try:
            # a table's rowid is its insertion order: the order of the rows in the file
            checker.con.execute(
                "create or replace temp table scan as select * from "
                f"{read_csv(source, '$path', 'ignore_errors = true')}",
                {"path": str(path)},
            )
            checker.con.execute("create or replace temp view numbered as select *, rowid as _row from scan")
            rows, error = checker.con.execute("select count(*) from scan").fetchone()[0], ""
        except duckdb.Error as exc:  # a file it cannot read at all, such as one with mixed line endings
            rows, error = None, str(exc).splitlines()[0]
        lines = _lines(checker, source, file, rel, document, rows, error)
        if lines is not None:
            checker.con.execute(
                f"insert into {source.name}_text select {text_cells(source)}, $file, {lines}", {"file": rel}
            )
    checker.con.execute(f"delete from {source.name}_text where {blank(source)}")
    checker.con.execute(
        f"create table {source.name} as select {typed_cells(source)}, _file, _line from {source.name}_text"
    )


def _kept_file(checker: Checker, source: Source) -> str:
    """SQL: the file of a kept row of a per-document source as this run names files (read(): in its sources folder,
    whatever the folder was called when the published build read it), the file of its document: a kept
    document's files are the very files the published build read."""
    folder, _, suffix = _relative(checker.sources_dir, checker.sources_dir / source.pattern).partition("*")
    return f"{sql_text(folder)} || document_id || {sql_text(suffix)}"


def keep(checker: Checker, source: Source, plan: RunPlan) -> None:
    """View `<source>_kept`: the rows this run keeps from the warehouse it starts from (none in a full run)."""
    columns = ", ".join(identifier(n) for n in source.column_names)
    if plan.incremental and source.per_document:
        checker.con.execute(
            "create temp table if not exists rebuilt_documents as select unnest($docs::varchar[]) as document_id",
            {"docs": sorted(plan.documents)},
        )
        checker.con.execute(
            f"create temp view {source.name}_kept as select {columns}, {_kept_file(checker, source)} as _file "
            f"from {checker.baseline}.raw.{source.name} "
            "where document_id not in (select document_id from rebuilt_documents)"
        )
    else:
        checker.con.execute(
            f"create temp view {source.name}_kept as select {columns}, _file from {source.name} where false"
        )
