"""What a run must re-read: the documents whose files changed since the published build, or everything.

Every per-document file (figures, mentions, claims, events) belongs to one document, and every fact the warehouse
derives from a document's rows depends only on those rows and the catalogues. So a run that finds the catalogues
unchanged except for added rows re-reads, re-validates and rebuilds only the documents whose files changed
(new, edited or removed) and keeps every other document's rows from the published warehouse. It rebuilds
everything when there is nothing to start from, when the code that turns files into tables changed, or when a
catalogue row that kept facts depend on changed or disappeared.

The published warehouse records what it was built from (schema `ingest`): the sha256 of every source file and a
hash of the transform code, so the next run can tell what changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, PROJECT_ROOT
from .records import LineCount
from .source_files import SOURCES, SOURCES_BY_NAME, Source

# Catalogues whose rows kept facts are validated and computed against: a changed or removed row rebuilds all.
# The others only describe (firm_aliases, reference_origins: where each rate series comes from) or are re-checked
# with their documents (documents, discrepancy_register): the whole-table models reading them, such as
# marts.dim_reference_origin, are rebuilt by every dbt build, so an edit there keeps the run incremental.
_FACT_CATALOGUES = ("geography", "firms", "indicators", "measures", "fx_rates")


@dataclass(frozen=True)
class SourceFile:
    source: str
    path: Path
    relative: str  # relative to the sources folder, so a moved or renamed folder is not a change
    document_id: str | None  # per-document files only
    sha256: str
    lines: int  # physical lines (records.LineCount): the validation tells a file of one row per line by them


@dataclass(frozen=True)
class RunPlan:
    mode: str  # "full" or "incremental"
    reason: str
    files: tuple[SourceFile, ...]
    documents: frozenset[str]  # documents this run re-reads; every document in a full run
    transform_hash: str

    @property
    def incremental(self) -> bool:
        return self.mode == "incremental"

    def reads(self, source: Source, path: Path) -> bool:
        """Whether this run reads `path`: every catalogue, and the files of the documents it rebuilds."""
        return not self.incremental or not source.per_document or path.stem in self.documents


def _blocks(path: Path) -> Iterator[bytes]:
    """A file's bytes in blocks: files may be gigabytes."""
    with path.open("rb") as handle:
        yield from iter(lambda: handle.read(1 << 20), b"")


def _checksum_and_lines(path: Path) -> tuple[str, int]:
    """A source file's sha256 and its physical lines, from one pass over it."""
    digest, count = hashlib.sha256(), LineCount()
    for block in _blocks(path):
        digest.update(block)
        count.update(block)
    return digest.hexdigest(), count.lines


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    for block in _blocks(path):
        digest.update(block)
    return digest.hexdigest()


def source_files(sources_dir: Path) -> tuple[SourceFile, ...]:
    """Every source file with its checksum and its line count; the only pass over a file's bytes besides DuckDB's
    reading of its rows."""
    found = []
    for source in SOURCES:
        for path in source.files(sources_dir):
            found.append(
                SourceFile(
                    source.name,
                    path,
                    str(path.relative_to(sources_dir)),
                    path.stem if source.per_document else None,
                    *_checksum_and_lines(path),
                )
            )
    return tuple(found)


def transform_hash() -> str:
    """A hash of what turns source files into tables and decides their verdicts: the ingest modules, the text
    reading, the dbt project, the GX suites and the check code. A change to any of them may change rows or verdicts
    already built, so the next run rebuilds and re-validates everything."""
    inputs = [
        (Path(__file__).parent, "*.py"),
        (PROJECT_ROOT / "orchestration" / "checks", "*.py"),
        (PROJECT_ROOT / "orchestration" / "corpus", "*.py"),
        (EXPECTATIONS_DIR, "*.json"),
        (EXPECTATIONS_DIR, "*.sql"),
        (DBT_PROJECT_DIR, "dbt_project.yml"),
    ]
    inputs += [(DBT_PROJECT_DIR / folder, "**/*") for folder in ("models", "macros", "tests", "seeds")]
    digest = hashlib.sha256()
    for root, pattern in inputs:
        for path in sorted(p for p in root.glob(pattern) if p.is_file()):
            # named within its folder, so the same code elsewhere hashes the same
            label = f"{root.name}/{path.relative_to(root)}"
            digest.update(label.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    return {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = ?", [catalog]
        ).fetchall()
    }


def _full(reason: str, files: tuple[SourceFile, ...], code: str) -> RunPlan:
    documents = frozenset(f.document_id for f in files if f.document_id)
    return RunPlan("full", reason, files, documents, code)


def plan_run(con: duckdb.DuckDBPyConnection, files: tuple[SourceFile, ...], baseline: str | None) -> RunPlan:
    """Decide the run. `con` holds the catalogues as read from the files, typed, in tables named after their
    source; `baseline`, when given, is the name of the attached warehouse this run starts from."""
    code = transform_hash()
    if baseline is None:
        return _full("no published warehouse to start from", files, code)
    if not {"ingest.source_files", "ingest.build"} <= _tables(con, baseline):
        return _full("the published warehouse does not record what it was built from", files, code)
    built_with = con.execute(f"select transform_hash from {baseline}.ingest.build").fetchone()
    if built_with is None or built_with[0] != code:
        return _full(
            "the ingest or dbt code, a GX suite or the check code changed since the published build", files, code
        )
    before = dict(con.execute(f"select file, sha256 from {baseline}.ingest.source_files").fetchall())
    documents_before = dict(
        con.execute(
            f"select file, document_id from {baseline}.ingest.source_files where document_id is not null"
        ).fetchall()
    )
    changed_catalogues = {f.source for f in files if f.document_id is None and before.get(f.relative) != f.sha256}
    documents = {f.document_id for f in files if f.document_id and before.get(f.relative) != f.sha256}
    present = {f.relative for f in files}
    documents |= {doc for file, doc in documents_before.items() if file not in present}
    for name in sorted(changed_catalogues & set(_FACT_CATALOGUES)):
        gone = con.execute(f"select count(*) from ({_rows_gone(baseline, name)})").fetchone()[0]
        if gone:
            return _full(f"{name}: {gone} row(s) changed or removed since the published build", files, code)
    if "documents" in changed_catalogues:
        documents |= {
            doc
            for (doc,) in con.execute(f"select document_id from ({_rows_differing(baseline, 'documents')})").fetchall()
        }
    if "discrepancy_register" in changed_catalogues:
        # a claim whose registered verdict changed is re-checked with its document
        documents |= {
            doc
            for (doc,) in con.execute(
                f"""select distinct c.document_id from ({_rows_differing(baseline, "discrepancy_register")}) as r
                join {baseline}.raw.claims as c using (claim_id)"""
            ).fetchall()
        }
    changed = len(documents)
    if not changed and not changed_catalogues:
        reason = "no source file changed"
    else:
        reason = f"{changed} document(s) changed" + (
            f"; catalogues changed: {', '.join(sorted(changed_catalogues))}" if changed_catalogues else ""
        )
    return RunPlan("incremental", reason, files, frozenset(documents), code)


def _rows_gone(baseline: str, name: str, reverse: bool = False) -> str:
    """SQL for the rows of catalogue `name` the published build had and the file no longer has (reverse: the
    file's rows the published build did not have); an edited row is in both."""
    columns = ", ".join(f'"{c}"' for c in SOURCES_BY_NAME[name].column_names)
    old, new = f"{baseline}.raw.{name}", name
    if reverse:
        old, new = new, old
    return f"select {columns} from {old} except select {columns} from {new}"


def _rows_differing(baseline: str, name: str) -> str:
    return f"({_rows_gone(baseline, name)}) union all ({_rows_gone(baseline, name, reverse=True)})"
