"""Great Expectations suites kept by hand in `expectations/`, run in an ephemeral context.

A suite is two files: `<suite>.json` names the asset it validates, whether a failure blocks publication, the
columns that identify a failed row and its expectations; `<suite>.sql` beside it is the query whose result is
validated. The query does in DuckDB what needs more than one row (joins, a figure's mentions, a claim's
verdicts), so every expectation is row-wise and the result can be validated in bounded batches. GX is imported
lazily: it costs seconds, and only checks need it.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from ..corpus.text import NUMBER_PATTERN
from ..settings import DEFAULTS, EXPECTATIONS_DIR
from .failed_rows import REGISTERS, Row

# The relation the suites' SQL reads the run's scope from: the documents this run rebuilt (ingest.run_scope, as
# dbt's models and tests use it), or every document when the suite validates every row it covers
# (validates_every_row). `bind_run_scope` is the one place that says what it is.
RUN_SCOPE = "rebuilt_documents"
FAILED_ROWS_KEPT = 50
_COUNTS = ("element_count", "missing_count", "unexpected_count")


class SuiteDefinitionError(ValueError):
    pass


@dataclass(frozen=True)
class SuiteDefinition:
    name: str
    asset: tuple[str, ...]
    blocking: bool
    description: str
    sql: str
    id_columns: tuple[str, ...]
    expectations: tuple[dict, ...]
    path: Path

    @classmethod
    def load(cls, path: Path, parser: duckdb.DuckDBPyConnection) -> SuiteDefinition:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            suite = cls(
                name=raw["name"],
                asset=tuple(raw["asset"]),
                blocking=bool(raw["blocking"]),
                description=raw["description"],
                sql=_read_sql(path.with_suffix(".sql"), parser),
                id_columns=tuple(raw.get("id_columns", [])),
                expectations=tuple(raw["expectations"]),
                path=path,
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise SuiteDefinitionError(f"{path}: not a valid suite definition ({exc!r})") from exc
        if suite.name != path.stem:
            raise SuiteDefinitionError(f"{path}: its name is {suite.name!r}; a suite is named after its files")
        return suite


def _read_sql(path: Path, parser: duckdb.DuckDBPyConnection) -> str:
    """The suite's query: one SELECT statement, parsed here so a typo names its file before any run."""
    if not path.is_file():
        raise SuiteDefinitionError(f"{path}: missing (each suite's query is the .sql file beside its .json)")
    sql = path.read_text(encoding="utf-8")
    try:
        statements = parser.extract_statements(sql)
    except duckdb.ParserException as exc:
        raise SuiteDefinitionError(f"{path}: {exc}") from exc
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise SuiteDefinitionError(f"{path}: must hold exactly one SELECT statement, not {len(statements)}")
    return sql


def load_suites(directory: Path = EXPECTATIONS_DIR) -> list[SuiteDefinition]:
    strays = sorted(p.name for p in directory.glob("*.sql") if not p.with_suffix(".json").is_file())
    if strays:
        raise SuiteDefinitionError(f"{directory}: {', '.join(strays)} belong(s) to no suite (no .json beside)")
    # one in-memory connection parses every query: opening one costs more than the parse (every code location
    # load and every run's ingest reads the suites)
    with duckdb.connect() as parser:
        return [SuiteDefinition.load(p, parser) for p in sorted(directory.glob("*.json"))]


def bind_suite_context(con: duckdb.DuckDBPyConnection, every_row: bool = False) -> None:
    """What the suites' SQL may refer to besides the warehouse's tables: the run's scope and the literal rules."""
    bind_run_scope(con, every_row)
    _bind_literal_rules(con)


def bind_run_scope(con: duckdb.DuckDBPyConnection, every_row: bool = False) -> None:
    """Name the run's scope for the suites' SQL as the temporary view `rebuilt_documents` (document_id): the
    documents this run rebuilt, or (every_row) every document."""
    documents = "raw.documents" if every_row else "ingest.run_scope"
    con.execute(f"create or replace temp view {RUN_SCOPE} as select document_id from {documents}")


def validates_every_row(con: duckdb.DuckDBPyConnection, suite: SuiteDefinition) -> bool:
    """Whether this run validates every row the suite covers: the suite or the check code changed, or it is a
    full run (the ingest's plan, ingest.suites), or dbt rebuilt the suite's asset for every document (its code
    changed: ingest.models_rebuilt, which dbt's on-run-end hook writes). Otherwise the rows of the run's
    documents."""
    planned = con.execute("select every_row from ingest.suites where suite = ?", [suite.name]).fetchone()
    rebuilt = con.execute(
        "select bool_or(every_document) from ingest.models_rebuilt where model = ?", [suite.asset[-1]]
    ).fetchone()[0]
    return planned is None or planned[0] or bool(rebuilt)


def _bind_literal_rules(con: duckdb.DuckDBPyConnection) -> None:
    """`printed_numbers(literal)`: the numbers a literal prints, tokenised by the rule that finds the numbers of
    the document texts (corpus/text.py): the register gates frame a recomputed value around the literal's first."""
    pattern = f"(?:^|[^A-Za-z0-9])({NUMBER_PATTERN})".replace("'", "''")
    con.execute(f"create or replace temp macro printed_numbers(literal) as regexp_extract_all(literal, '{pattern}', 1)")


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    evaluated: int
    failed: list[dict[str, Any]] = field(default_factory=list)
    rows_validated: int = 0

    def as_metadata(self) -> dict[str, Any]:
        return {
            "rows_validated": self.rows_validated,
            "expectations_evaluated": self.evaluated,
            "expectations_failed": len(self.failed),
        }


def failed_rows(suite: SuiteDefinition, outcome: SuiteOutcome, sources: Path) -> tuple[list[Row], int]:
    """Each failed row the outcome kept, by column: a register gate's as its register shows it (what to do in
    the register files under `sources`), any other's as its first id column, its other values (the judged one
    first) and the expectation's why; an expectation GX could not evaluate is one row saying so. And how many
    failed in all: GX counts every unexpected row but the outcome keeps FAILED_ROWS_KEPT of each."""
    register = REGISTERS.get(suite.name)
    rows, total = [], 0
    for failure in outcome.failed:
        why = failure.get("why") or failure["expectation"]
        if failure["exception"]:
            rows.append({"id": "—", "problem": f"GX could not evaluate it: {failure['exception']}", "explanation": why})
            total += 1
            continue
        rows += [
            register.failed_row(row, sources)
            if register
            else {**_identified(row, suite.id_columns), "explanation": why}
            for row in failure["failed_rows"]
        ]
        total += failure["unexpected_count"]
    return rows, total


def _identified(row: Any, id_columns: tuple[str, ...]) -> dict[str, str]:
    """A failed row with id columns is a mapping holding them; without, GX keeps only the unexpected value."""
    if not (id_columns and isinstance(row, dict) and id_columns[0] in row):
        return {"id": "—", "problem": str(row)}
    problem = ", ".join(f"{k}: {v}" for k, v in row.items() if k != id_columns[0])
    return {"id": str(row[id_columns[0]]), "problem": problem}


_RUN_NUMBERS = itertools.count(1)


@cache
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN: a missing number in a failed row is null
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _require_row_wise(suite: SuiteDefinition) -> None:
    """Batches are merged by adding up counts, which is exact only for expectations judged row by row (GX's map
    expectations, `mostly` included); an aggregate (a mean, a quantile) over one batch says nothing of the whole."""
    from great_expectations.expectations.expectation import (
        ColumnMapExpectation,
        ColumnPairMapExpectation,
        MulticolumnMapExpectation,
    )
    from great_expectations.expectations.registry import get_expectation_impl

    row_wise = (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation)
    for item in suite.expectations:
        if not issubclass(get_expectation_impl(item["type"]), row_wise):
            raise SuiteDefinitionError(
                f"{suite.path}: {item['type']} is not judged row by row, so it cannot be validated in batches; "
                "compute the aggregate in the suite's SQL and expect its rows"
            )


@contextmanager
def _batch_validator(suite: SuiteDefinition) -> Iterator[Callable[[Any], list[dict[str, Any]]]]:
    """A function validating one batch (a DataFrame) against the suite, with the suite's GX objects made once
    and removed from the context afterwards (its name carries a counter so that none is ever reused). A batch is
    validated with GX's Batch.validate: a validation definition's run would also keep each result in the
    context's store, which at 1e7 rows grew the process by gigabytes."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    context = _context()
    tag = f"{suite.name}_{next(_RUN_NUMBERS)}"
    gx_suite = gx.ExpectationSuite(name=tag)
    for item in suite.expectations:
        gx_suite.add_expectation_configuration(
            ExpectationConfiguration(type=item["type"], kwargs=item["kwargs"], meta=item.get("meta", {}))
        )
    gx_suite = context.suites.add(gx_suite)
    batches = context.data_sources.add_pandas(tag).add_dataframe_asset(tag).add_batch_definition_whole_dataframe(tag)
    result_format: dict[str, Any] = {"result_format": "COMPLETE"}
    if suite.id_columns:
        result_format["unexpected_index_column_names"] = list(suite.id_columns)

    def validate(frame) -> list[dict[str, Any]]:
        batch = batches.get_batch(batch_parameters={"dataframe": frame})
        return _outcomes(batch.validate(gx_suite, result_format=result_format))

    try:
        yield validate
    finally:
        context.suites.delete(tag)
        context.data_sources.delete(tag)


def _outcomes(result) -> list[dict[str, Any]]:
    """Every expectation's outcome on one batch: its counts, whether it held there, the failed rows' ids."""
    outcomes = []
    for item in result.results:
        details = item.result or {}
        outcomes.append(
            _jsonable(
                {
                    "expectation": item.expectation_config.type,
                    "kwargs": {k: v for k, v in item.expectation_config.kwargs.items() if k != "batch_id"},
                    "why": (item.expectation_config.meta or {}).get("why"),
                    "success": bool(item.success),
                    "element_count": details.get("element_count", 0),
                    "missing_count": details.get("missing_count", 0),
                    "unexpected_count": details.get("unexpected_count", 0),
                    "failed_rows": (
                        details.get("unexpected_index_list") or details.get("partial_unexpected_list") or []
                    )[:FAILED_ROWS_KEPT],
                    "exception": None if "element_count" in details else _exception(item.exception_info),
                }
            )
        )
    return outcomes


def _exception(info: Any) -> str:
    """Why GX computed no counts for an expectation (a missing column, a type it cannot compare): its message
    is at the top of `exception_info`, or under each metric that raised."""
    if isinstance(info, dict):
        if info.get("raised_exception"):
            return str(info.get("exception_message"))
        for value in info.values():
            if isinstance(value, dict) and value.get("raised_exception"):
                return str(value.get("exception_message"))
    return "GX computed no result for this expectation"


def _holds(merged: dict[str, Any]) -> bool:
    """GX's verdict for a map expectation, on the counts of every batch together: no row to judge passes; else
    the share of judged (non-missing) rows that are as expected must reach `mostly` (1 when not given)."""
    if merged["exception"]:
        return False
    judged = merged["element_count"] - merged["missing_count"]
    if judged == 0:
        return True
    return (judged - merged["unexpected_count"]) / judged >= merged["kwargs"].get("mostly", 1.0)


def _merge(suite: SuiteDefinition, batches: list[list[dict[str, Any]]], rows: int) -> SuiteOutcome:
    """One outcome for a suite validated batch by batch: counts add up, `mostly` is judged on the sums, failed
    rows are kept up to FAILED_ROWS_KEPT."""
    merged: dict[str, dict[str, Any]] = {}
    for batch in batches:
        for item in batch:
            # GX returns results in an order of its own: an expectation is known by its type and arguments
            key = json.dumps([item["expectation"], item["kwargs"]], sort_keys=True, default=str)
            total = merged.setdefault(key, {**item, "failed_rows": [], "exception": None, **dict.fromkeys(_COUNTS, 0)})
            for count in _COUNTS:
                total[count] += item[count] or 0
            total["failed_rows"] = (total["failed_rows"] + item["failed_rows"])[:FAILED_ROWS_KEPT]
            total["exception"] = total["exception"] or item["exception"]
    for total in merged.values():
        total["success"] = _holds(total)
    failed = [item for item in merged.values() if not item["success"]]
    return SuiteOutcome(suite.name, not failed, len(merged), failed, rows)


def run_suite(
    suite: SuiteDefinition,
    con: duckdb.DuckDBPyConnection,
    batch_rows: int = int(DEFAULTS["GX_BATCH_ROWS"]),
    every_row: bool = False,
) -> SuiteOutcome:
    """Validate the suite's query result, on the run's documents or (every_row) every row, in batches of at most
    `batch_rows` rows (GX_BATCH_ROWS, default 200,000), so a table of any size passes through pandas a bounded
    slice at a time. Every expectation is row-wise, so batch by batch gives the same verdict as all at once."""
    _require_row_wise(suite)
    bind_suite_context(con, every_row)
    vectors = max(1, batch_rows // duckdb.__standard_vector_size__)
    cursor = con.execute(suite.sql)
    # A streamed result comes in chunks of up to `vectors` vectors, often fewer (a filter thins each vector out):
    # only an empty chunk says the result is exhausted. The first chunk is validated even when empty, as GX
    # judges an empty result.
    with _batch_validator(suite) as validate:
        frame = cursor.fetch_df_chunk(vectors)
        batches, rows = [validate(frame)], len(frame)
        while not (frame := cursor.fetch_df_chunk(vectors)).empty:
            batches.append(validate(frame))
            rows += len(frame)
    return _merge(suite, batches, rows)
