"""Great Expectations suites kept as hand-written JSON in `expectations/`, run in an ephemeral context.

Each suite file names the asset it validates, whether a failure blocks downstream publication, and the fixed
SQL query whose result is validated. The query does in DuckDB what needs the whole table (a key's copies, joins),
so GX sees row-wise expectations only and validates the result in bounded batches. GX is imported lazily: it
costs seconds, and only checks need it.

A query on a table held by document keeps to the documents in `validation_scope`: the run's documents, as dbt's
incremental models and tests do (ingest.run_scope), or every document when the suite validates every row it covers
(validates_every_row).
"""

from __future__ import annotations

import itertools
import json
import math
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from ..settings import DEFAULTS, EXPECTATIONS_DIR

# the relation a suite's query names to keep to the documents it validates (scope_rows defines it)
SCOPE = "validation_scope"


class SuiteDefinitionError(ValueError):
    pass


@dataclass(frozen=True)
class SuiteDefinition:
    name: str
    asset: tuple[str, ...]
    blocking: bool
    description: str
    query: str
    id_columns: tuple[str, ...]
    expectations: tuple[dict, ...]
    path: Path

    @property
    def by_document(self) -> bool:
        """Whether the query keeps to the documents in validation_scope (a table held by document)."""
        return SCOPE in self.query

    @classmethod
    def load(cls, path: Path) -> SuiteDefinition:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                name=raw["name"],
                asset=tuple(raw["asset"]),
                blocking=bool(raw["blocking"]),
                description=raw["description"],
                query=raw["query"],
                id_columns=tuple(raw.get("id_columns", [])),
                expectations=tuple(raw["expectations"]),
                path=path,
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise SuiteDefinitionError(f"{path}: not a valid suite definition ({exc!r})") from exc


def load_suites(directory: Path = EXPECTATIONS_DIR) -> list[SuiteDefinition]:
    suites = [SuiteDefinition.load(p) for p in sorted(directory.glob("*.json"))]
    names = [s.name for s in suites]
    if len(names) != len(set(names)):
        raise SuiteDefinitionError(f"{directory}: two suites share a name: {sorted(names)}")
    return suites


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


_RUN_NUMBERS = itertools.count(1)


@cache
def _context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
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


def validate_frame(suite: SuiteDefinition, frame) -> SuiteOutcome:
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    context = _context()
    # Each run gets fresh objects; names carry a counter because the ephemeral context keeps what it was given.
    tag = f"{suite.name}_{next(_RUN_NUMBERS)}"
    gx_suite = gx.ExpectationSuite(name=tag)
    for item in suite.expectations:
        gx_suite.add_expectation_configuration(
            ExpectationConfiguration(type=item["type"], kwargs=item["kwargs"], meta=item.get("meta", {}))
        )
    gx_suite = context.suites.add(gx_suite)
    batch = context.data_sources.add_pandas(tag).add_dataframe_asset(tag).add_batch_definition_whole_dataframe(tag)
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=tag, data=batch, suite=gx_suite))
    result_format: dict[str, Any] = {"result_format": "COMPLETE"}
    if suite.id_columns:
        result_format["unexpected_index_column_names"] = list(suite.id_columns)
    result = definition.run(batch_parameters={"dataframe": frame}, result_format=result_format)
    failed = []
    for item in result.results:
        if item.success:
            continue
        details = item.result or {}
        failed.append(
            _jsonable(
                {
                    "expectation": item.expectation_config.type,
                    "kwargs": {k: v for k, v in item.expectation_config.kwargs.items() if k != "batch_id"},
                    "why": (item.expectation_config.meta or {}).get("why"),
                    "unexpected_count": details.get("unexpected_count"),
                    "observed_value": details.get("observed_value"),
                    "failed_rows": (
                        details.get("unexpected_index_list") or details.get("partial_unexpected_list") or []
                    )[:50],
                    "exception": (item.exception_info or {}).get("exception_message")
                    if isinstance(item.exception_info, dict)
                    else None,
                }
            )
        )
    return SuiteOutcome(suite.name, bool(result.success), len(result.results), failed, len(frame))


def _merge(suite: SuiteDefinition, outcomes: list[SuiteOutcome]) -> SuiteOutcome:
    """One outcome for a suite validated batch by batch: counts add up, failed rows are kept up to 50."""
    failed: dict[str, dict] = {}
    for outcome in outcomes:
        for item in outcome.failed:
            key = json.dumps([item["expectation"], item["kwargs"]], sort_keys=True, default=str)
            if key not in failed:
                failed[key] = dict(item)
                continue
            merged = failed[key]
            merged["unexpected_count"] = (merged["unexpected_count"] or 0) + (item["unexpected_count"] or 0)
            merged["failed_rows"] = (merged["failed_rows"] + item["failed_rows"])[:50]
    return SuiteOutcome(
        suite.name,
        all(o.success for o in outcomes),
        outcomes[0].evaluated,
        list(failed.values()),
        sum(o.rows_validated for o in outcomes),
    )


def validates_every_row(con: duckdb.DuckDBPyConnection, suite: SuiteDefinition) -> bool:
    """Whether this run validates every row the suite covers: the suite or the check code changed, or it is a
    full run (the ingest's plan, ingest.suites), or dbt rebuilt the suite's asset for every document (its code
    changed: ingest.models_rebuilt). Otherwise the rows of the run's documents."""
    planned = con.execute("select every_row from ingest.suites where suite = ?", [suite.name]).fetchone()
    rebuilt = con.execute(
        "select bool_or(every_document) from ingest.models_rebuilt where model = ?", [suite.asset[-1]]
    ).fetchone()[0]
    return planned is None or planned[0] or bool(rebuilt)


def scope_rows(con: duckdb.DuckDBPyConnection, every_row: bool) -> None:
    """Define `validation_scope`, the documents whose rows the suites' queries validate."""
    documents = "raw.documents" if every_row else "ingest.run_scope"
    con.execute(f"create or replace temp view {SCOPE} as select document_id from {documents}")


def run_suite(
    suite: SuiteDefinition,
    con: duckdb.DuckDBPyConnection,
    batch_rows: int = int(DEFAULTS["GX_BATCH_ROWS"]),
    every_row: bool = False,
) -> SuiteOutcome:
    """Validate the suite's query result, on the run's documents or every row, in batches of at most `batch_rows`
    rows (GX_BATCH_ROWS, default 200,000), so a table of any size passes through pandas a bounded slice at a
    time. Every expectation is row-wise (a key's copies are counted in SQL), so batch by batch gives the same
    verdict as all at once."""
    if suite.by_document:
        scope_rows(con, every_row)
    vectors = max(1, batch_rows // duckdb.__standard_vector_size__)
    cursor = con.execute(suite.query)
    outcomes = []
    while True:
        frame = cursor.fetch_df_chunk(vectors)
        if outcomes and frame.empty:
            break
        outcomes.append(validate_frame(suite, frame))
        if len(frame) < vectors * duckdb.__standard_vector_size__:
            break
    return _merge(suite, outcomes)
