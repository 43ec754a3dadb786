"""What a dbt asset's materialization shows in the UI: its table's row count and column types under the keys the
asset page reads (dagster/row_count, dagster/column_schema), and a mart's findings (findings.py).

Not dagster-dbt's fetchers (DbtEventIterator.fetch_row_counts, fetch_column_metadata): they query through a dbt
adapter they open read-only in this process, and DuckDB keeps that database open after them, so the step's next
connection to its working file fails ("Can't open a connection to same database file with a different
configuration than existing connections") and so would a second dbt invocation on the lock. They also count no
view and know nothing of a mart the run keeps as published. One connection of ours, opened after dbt exits and
closed before anything else opens the file, describes every result.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from .findings import findings
from .warehouse import WarehouseFiles


@dataclass(frozen=True)
class Table:
    """A dbt asset's relation in a warehouse file, and its columns' descriptions from the yml."""

    schema: str
    name: str
    descriptions: Mapping[str, str | None]


def table_metadata(con: duckdb.DuckDBPyConnection, table: Table) -> dict:
    """Row count and column types as the file holds them (views counted too: ours select from tables of
    thousands of rows), with the yml's description of each column, which a materialization's schema would
    otherwise drop."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns where table_catalog = current_database() "
        "and table_schema = ? and table_name = ? order by ordinal_position",
        [table.schema, table.name],
    ).fetchall()
    (rows,) = con.execute(f'select count(*) from "{table.schema}"."{table.name}"').fetchone()
    schema = dg.TableSchema(
        columns=[dg.TableColumn(name, kind, description=table.descriptions.get(name) or None) for name, kind in columns]
    )
    return {"dagster/row_count": rows, "dagster/column_schema": schema}


def described(
    results: Iterable,
    working: Path,
    files: WarehouseFiles,
    tables: Mapping[dg.AssetKey, Table],
    report_dir: Path,
) -> Iterator:
    """`results` once the dbt invocation yielding them has exited (its process holds the file's lock while it
    builds, so the UI sees an invocation's results when it ends, as with dagster-dbt's fetchers on DuckDB), each
    materialization with its table's metadata and findings; the other results as they are. A dbt that fails gets
    its results back undescribed, then its error: the step fails anyway."""
    done = []
    try:
        done.extend(results)
    except Exception:
        yield from done
        raise
    with files.connect(working, read_only=True) as con:
        done = [_described(con, r, tables, report_dir) if isinstance(r, dg.MaterializeResult) else r for r in done]
    yield from done


def _described(con, result: dg.MaterializeResult, tables: Mapping[dg.AssetKey, Table], report_dir: Path):
    key = result.asset_key
    metadata = {**(result.metadata or {}), **table_metadata(con, tables[key]), **findings(con, key, report_dir)}
    return dg.MaterializeResult(asset_key=key, metadata=metadata)
