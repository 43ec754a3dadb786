"""What a dbt asset's materialization shows in the UI: its table's row count (not a view's) and column types under
the keys the asset page reads (dagster/row_count, dagster/column_schema), and a mart's findings as plain numbers,
which the asset page plots across runs (a new discrepancy or a document losing coverage shows as a step in a line).

dbt describes each node as it builds it (macros/describe_for_dagster.sql): a post-hook prints the description in
dbt's log and keeps it in ingest.model_descriptions. dbt holds the warehouse file while it builds, so nothing else
can query it then; read from the log, every result reaches the UI as dbt finishes its node, not when the whole
invocation ends. A mart the run keeps as published carries the description kept when it was built.

Not dagster-dbt's fetchers (DbtEventIterator.fetch_row_counts, fetch_column_metadata): they query through a dbt
adapter they open read-only in this process after each node, which the lock dbt holds refuses on DuckDB, and they
count no view and know nothing of a kept mart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass

import dagster as dg
import duckdb

from .settings import report_link

_LOGGED = "dagster_description "  # how the post-hook's log line starts


@dataclass(frozen=True)
class Table:
    """A dbt asset's relation in a warehouse file, and its columns' descriptions from the yml."""

    schema: str
    name: str
    descriptions: Mapping[str, str | None]


Descriptions = MutableMapping[tuple[str, str], dict]


def kept_descriptions(con: duckdb.DuckDBPyConnection) -> Descriptions:
    """The descriptions earlier builds kept in the run's working file, by (schema, name); none in a new file."""
    try:
        rows = con.execute("select description from ingest.model_descriptions").fetchall()
    except duckdb.CatalogException:
        return {}
    return {(d["schema"], d["name"]): d for d in (json.loads(text) for (text,) in rows)}


def logged_description(raw_event: Mapping) -> dict | None:
    """The description a post-hook printed, when `raw_event` (one line of dbt's JSON log) is that line."""
    info = raw_event.get("info", {})
    message = info.get("msg", "")
    if info.get("name") == "JinjaLogInfo" and message.startswith(_LOGGED):
        return json.loads(message[len(_LOGGED) :])
    return None


def step_events(invocation, descriptions: Descriptions) -> Iterator:
    """dbt's events as this step's, as dbt prints them; the descriptions its post-hooks print go to
    `descriptions`. The invocation is given no step context: with one, dagster-dbt adds its own selection of every
    node (--select fqn:*) to the run's, and dbt builds the union; without, it reports materializations and check
    evaluations, which are this multi-asset's results."""
    for raw in invocation.stream_raw_events():
        if (description := logged_description(raw.raw_event)) is not None:
            descriptions[(description["schema"], description["name"])] = description
            continue
        for event in raw.to_default_asset_events(
            manifest=invocation.manifest,
            dagster_dbt_translator=invocation.dagster_dbt_translator,
            target_path=invocation.target_path,
            project=invocation.project,
        ):
            if isinstance(event, dg.AssetMaterialization):
                yield dg.MaterializeResult(asset_key=event.asset_key, metadata=event.metadata)
            elif isinstance(event, dg.AssetCheckEvaluation):
                yield dg.AssetCheckResult(
                    asset_key=event.asset_key,
                    check_name=event.check_name,
                    passed=event.passed,
                    severity=event.severity,
                    metadata=event.metadata,
                )
            else:
                yield event


def described(results: Iterable, descriptions: Descriptions, tables: Mapping[dg.AssetKey, Table]) -> Iterator:
    """`results`, each materialization with its table's description (found in `descriptions` by the time dbt
    reports the node), the other results as they are."""
    for result in results:
        if isinstance(result, dg.MaterializeResult):
            table = tables[result.asset_key]
            description = descriptions.get((table.schema, table.name))
            if description is None and (result.metadata or {}).get("rebuilt_this_run") is not False:
                raise RuntimeError(
                    f"dbt built {table.schema}.{table.name} without describing it: its post-hook "
                    "describe_for_dagster (dbt_project.yml) did not run"
                )
            if description is not None:
                result = dg.MaterializeResult(
                    asset_key=result.asset_key,
                    metadata={**(result.metadata or {}), **_metadata(description, table)},
                )
        yield result


def _metadata(description: dict, table: Table) -> dict:
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(name, kind, description=table.descriptions.get(name) or None)
            for name, kind in description["columns"]
        ]
    )
    findings = description["findings"]
    # a mart of verdicts: the page that lists every verdict but the clean one, with its explanation
    page = {"discrepancies_page": report_link("discrepancies.html")}
    rows = description["row_count"]
    return {
        **({"dagster/row_count": rows} if rows is not None else {}),
        "dagster/column_schema": schema,
        **findings,
        **(page if "verdicts_total" in findings else {}),
    }
