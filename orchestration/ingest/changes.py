"""What a run must rebuild and re-validate, decided once, here, from what changed since the published build.

Every per-document file (figures, mentions, claims, events, not_figures) belongs to one document, and every fact
the warehouse derives from a document's rows depends only on those rows and the catalogues. So a run re-reads,
re-validates and rebuilds only the documents whose files changed (new, edited or removed) and keeps every other
document's rows from the published warehouse. What else can change a run's output, and what each costs:

- a raw table whose rows change (a document's files, a catalogue): dbt rebuilds what reads it (dbt_selection.py);
- the ingest or corpus code, which makes the raw tables, or a catalogue row kept facts depend on: everything is
  rebuilt (a full run), as it is when there is no published warehouse to start from;
- the dbt project: dbt rebuilds the models it finds modified against the published build's manifest, and their
  children, for every document;
- a suite in expectations/: it re-validates every row it covers; the check code: every suite does;
- a document's text, when the run has a texts folder: a text edited since the published build checked its
  document's literals against it, or not checked by it at all (built without the folder), is read again with
  its document, which is rebuilt. A run without the folder keeps what the published build checked.

When nothing changed the run rebuilds, checks and publishes nothing. The published warehouse records what it was
built from (schema `ingest`): the sha256 of every source file (with its size and time, so that a file still as it
was is not read again: fingerprints.py), of every text it checked literals against, and of every suite, hashes of
the ingest, dbt and check code, and (written by the dbt step) dbt's manifest, so the next run can tell what
changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..checks.gx_suites import load_suites
from ..dbt_vars import dbt_vars
from ..resources.connections import columns, tables
from ..settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, PROJECT_ROOT
from .fingerprints import SourceFile, recorded_texts, text_files
from .source_files import SOURCES_BY_NAME, Source
from .texts import TEXT_TABLES

# Catalogues whose rows kept facts are validated and computed against: a changed or removed row rebuilds all.
# The others only describe (firm_aliases, reference_origins: where each rate series comes from) or are re-checked
# with their documents (documents, discrepancy_register): dbt rebuilds the models reading them, such as
# marts.dim_reference_origin, so an edit there keeps the run incremental.
_FACT_CATALOGUES = ("geography", "firms", "indicators", "measures", "fx_rates")
# What a published warehouse must record for a run to start from it rather than rebuild everything
_RECORDS = {"ingest.source_files", "ingest.texts", "ingest.build", "ingest.suites", "ingest.dbt_manifest"}


@dataclass(frozen=True)
class CodeHashes:
    ingest: str  # the ingest, validation and corpus modules, and the dbt vars they read: they make the raw tables
    dbt: str  # the dbt project: dbt_project.yml, its models, macros, tests and seeds
    checks: str  # the asset checks' code
    suites: dict[str, str]  # each suite's files, by suite name


@dataclass(frozen=True)
class RunPlan:
    mode: str  # "full" or "incremental"
    reason: str
    files: tuple[SourceFile, ...]  # the source files, and the texts the build checks (or keeps checked) literals by
    documents: frozenset[str]  # documents this run re-reads and rebuilds; every document in a full run
    code: CodeHashes
    changed_sources: frozenset[str]  # raw tables whose rows this run changes; every one in a full run
    suites_every_row: frozenset[str]  # suites that validate every row they cover; every one in a full run
    dbt_changed: bool = False  # an incremental run whose dbt project differs from the published build's

    @property
    def incremental(self) -> bool:
        return self.mode == "incremental"

    @property
    def rebuilds_nothing(self) -> bool:
        """Nothing changed since the published build: the run keeps it as it is."""
        return self.incremental and not (
            self.documents or self.changed_sources or self.suites_every_row or self.dbt_changed
        )

    def reads(self, source: Source, path: Path) -> bool:
        """Whether this run reads `path`: every catalogue, and the files of the documents it rebuilds."""
        return not self.incremental or not source.per_document or path.stem in self.documents


def _folder_hash(*inputs: tuple[Path, str]) -> str:
    digest = hashlib.sha256()
    for root, pattern in inputs:
        for path in sorted(p for p in root.glob(pattern) if p.is_file()):
            # named within its folder, so the same code elsewhere hashes the same
            label = f"{root.name}/{path.relative_to(root)}"
            digest.update(label.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def code_hashes() -> CodeHashes:
    """What turns the source files into tables and decides their verdicts, hashed by what a change to it
    rebuilds or re-validates. The ingest also reads the dbt project's vars (dbt_vars.py)."""
    code = PROJECT_ROOT / "orchestration"
    dbt = [(DBT_PROJECT_DIR, "dbt_project.yml")] + [
        (DBT_PROJECT_DIR / f, "**/*") for f in ("models", "macros", "tests", "seeds")
    ]
    ingest = _folder_hash((code / "ingest", "**/*.py"), (code / "corpus", "**/*.py"), (code, "dbt_vars.py"))
    return CodeHashes(
        ingest=hashlib.sha256((ingest + json.dumps(dbt_vars(), sort_keys=True, default=str)).encode()).hexdigest(),
        dbt=_folder_hash(*dbt),
        checks=_folder_hash((code / "checks", "*.py")),
        # a suite is its .json and the .sql beside it
        suites={
            suite.name: hashlib.sha256(
                suite.path.read_bytes() + b"\0" + suite.path.with_suffix(".sql").read_bytes()
            ).hexdigest()
            for suite in load_suites(EXPECTATIONS_DIR)
        },
    )


def _full(reason: str, files: tuple[SourceFile, ...], code: CodeHashes, texts: dict[str, SourceFile]) -> RunPlan:
    documents = frozenset(f.document_id for f in files if f.document_id)
    every_table = frozenset(SOURCES_BY_NAME) | frozenset(TEXT_TABLES)
    return RunPlan("full", reason, files + tuple(texts.values()), documents, code, every_table, frozenset(code.suites))


def _named_texts(con: duckdb.DuckDBPyConnection, files: tuple[SourceFile, ...]) -> list[tuple[str, str]]:
    """(document_id, text file name) of each document the source files hold whose row in documents names a text."""
    held = {f.document_id for f in files if f.document_id}
    rows = con.execute("select document_id, file_name from documents where file_name is not null").fetchall()
    return [(document, name) for document, name in rows if document in held]


def _texts_now(
    documents_dir: Path | None, named: list[tuple[str, str]], recorded: dict[str, SourceFile]
) -> dict[str, SourceFile]:
    """The texts of `named` in the texts folder (none without one), by document; `recorded`: the texts the
    published build checked, by document, for fingerprints.text_files to take a text still as it was from."""
    if documents_dir is None:
        return {}
    return {text.document_id: text for text in text_files(documents_dir, named, recorded)}


def _unchecked(named: list[tuple[str, str]], before: dict[str, SourceFile], now: dict[str, SourceFile]) -> set[str]:
    """The documents of `named` whose literals the published build did not check against their text as it is now
    (`before`, `now`: by document): edited since, never checked, or now missing (which the validation reports)."""
    return {d for d, _ in named if d not in before or d not in now or before[d].sha256 != now[d].sha256}


def plan_run(
    con: duckdb.DuckDBPyConnection,
    files: tuple[SourceFile, ...],
    baseline: str | None,
    documents_dir: Path | None = None,
) -> RunPlan:
    """Decide the run. `con` holds the catalogues as read from the files, typed, in tables named after their
    source; `baseline`, when given, is the name of the attached warehouse this run starts from; `documents_dir`,
    when given, the texts folder the run checks the literals against."""
    code, named = code_hashes(), _named_texts(con, files)
    if baseline is None:
        return _full("no published warehouse to start from", files, code, _texts_now(documents_dir, named, {}))
    if not _RECORDS <= tables(con, baseline) or not {"ingest_hash", "dbt_hash", "check_hash"} <= columns(
        con, baseline, "ingest.build"
    ):
        texts = _texts_now(documents_dir, named, {})
        return _full("the published warehouse does not record what it was built from", files, code, texts)
    texts_before = recorded_texts(con, baseline)
    texts = _texts_now(documents_dir, named, texts_before)
    built = con.execute(f"select ingest_hash, dbt_hash, check_hash from {baseline}.ingest.build").fetchone()
    if built is None or built[0] != code.ingest:
        return _full("the ingest or corpus code changed since the published build", files, code, texts)
    before = con.execute(f"select source, file, document_id, sha256 from {baseline}.ingest.source_files").fetchall()
    files_before = {(source, file, sha) for source, file, _, sha in before}
    files_now = {(f.source, f.relative, f.sha256) for f in files}
    changed_sources = {source for source, _, _ in files_before ^ files_now}
    changed_catalogues = {s for s in changed_sources if not SOURCES_BY_NAME[s].per_document}
    present = {f.relative for f in files}
    documents = {f.document_id for f in files if f.document_id and (f.source, f.relative, f.sha256) not in files_before}
    documents |= {doc for _, file, doc, _ in before if doc is not None and file not in present}
    for name in sorted(changed_catalogues & set(_FACT_CATALOGUES)):
        gone = con.execute(f"select count(*) from ({_rows_gone(baseline, name)})").fetchone()[0]
        if gone:
            return _full(f"{name}: {gone} row(s) changed or removed since the published build", files, code, texts)
    if "documents" in changed_catalogues:
        documents |= {
            doc
            for (doc,) in con.execute(f"select document_id from ({_rows_differing(baseline, 'documents')})").fetchall()
        }
    if "discrepancy_register" in changed_catalogues:
        # a claim whose registered verdict changed is re-checked with its document (a derived claim is in no
        # source file: the published checks know its document)
        documents |= {
            doc
            for (doc,) in con.execute(
                f"""select distinct c.document_id from ({_rows_differing(baseline, "discrepancy_register")}) as r
                join {baseline}.marts.claim_checks as c using (claim_id)"""
            ).fetchall()
        }
    # a run without a texts folder checks no text: it rebuilds none for its text
    unchecked = _unchecked(named, texts_before, texts) if documents_dir is not None else set()
    documents |= unchecked
    if documents:  # their texts are read and accounted for again
        changed_sources |= set(TEXT_TABLES)
    if documents_dir is None:  # what the published build checked of the documents this run keeps stays checked
        texts = {d: text for d, text in texts_before.items() if d not in documents}
    suites_before = dict(con.execute(f"select suite, sha256 from {baseline}.ingest.suites").fetchall())
    checks_changed = built[2] != code.checks
    every_row = {name for name, digest in code.suites.items() if checks_changed or suites_before.get(name) != digest}
    dbt_changed = built[1] != code.dbt
    reason = _incremental_reason(documents, unchecked, changed_catalogues, dbt_changed, checks_changed, every_row)
    return RunPlan(
        "incremental",
        reason,
        files + tuple(texts.values()),
        frozenset(documents),
        code,
        frozenset(changed_sources),
        frozenset(every_row),
        dbt_changed,
    )


def _incremental_reason(
    documents: set[str],
    unchecked: set[str],
    catalogues: set[str],
    dbt_changed: bool,
    checks_changed: bool,
    every_row: set[str],
) -> str:
    parts = [f"{len(documents)} document(s) changed"] if documents else []
    if unchecked:
        parts.append(f"{len(unchecked)} document text(s) edited or not checked by the published build")
    if catalogues:
        parts.append(f"catalogues changed: {', '.join(sorted(catalogues))}")
    if dbt_changed:
        parts.append("the dbt project changed: dbt rebuilds what it finds modified, and its children")
    if checks_changed:
        parts.append("the check code changed: every suite re-validates every row")
    elif every_row:
        parts.append(f"suites changed, re-validating every row: {', '.join(sorted(every_row))}")
    return "; ".join(parts) or "nothing changed since the published build (sources, dbt project, suites, check code)"


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
