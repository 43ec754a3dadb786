"""What the marts of findings found, as plain numbers on their materializations: Dagster's asset page plots a
numeric metadata entry across runs, so a new discrepancy or a document losing coverage shows as a step in a line.
Kept marts carry them too: the line goes on through runs that did not rebuild them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import dagster as dg
import duckdb

from .dbt_vars import dbt_var


def verdict_counts(con: duckdb.DuckDBPyConnection, table: str, verdicts: Iterable[str]) -> dict[str, int]:
    """`verdict_<verdict>` for every verdict the mart may give (a verdict no row has is 0, so its line drops to
    zero rather than breaking off), any other verdict found, and `verdicts_total`."""
    found = dict(con.execute(f"select verdict, count(*) from {table} group by verdict").fetchall())
    every = dict.fromkeys([*verdicts, *sorted(found)])
    return {**{f"verdict_{v}": found.get(v, 0) for v in every}, "verdicts_total": sum(found.values())}


def coverage_by_document(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """`coverage_pct_<document_id>`: the share of the numbers its text prints that are accounted for. A document
    without a text has no coverage, and no entry."""
    rows = con.execute(
        "select document_id, coverage_pct from marts.document_coverage where coverage_pct is not null order by 1"
    ).fetchall()
    return {f"coverage_pct_{document}": float(pct) for document, pct in rows}


def _discrepancies(report_dir: Path) -> dict[str, dg.MetadataValue]:
    return {"discrepancies_page": dg.MetadataValue.path(str(report_dir / "discrepancies.html"))}


def findings(con: duckdb.DuckDBPyConnection, key: dg.AssetKey, report_dir: Path) -> dict:
    """The findings metadata of the mart `key` (none for a mart that records no findings)."""
    if key == dg.AssetKey(["marts", "claim_checks"]):
        return {**verdict_counts(con, "marts.claim_checks", dbt_var("claim_verdicts")), **_discrepancies(report_dir)}
    if key == dg.AssetKey(["marts", "figure_reconciliation"]):
        verdicts = dbt_var("reconciliation_verdicts")
        return {**verdict_counts(con, "marts.figure_reconciliation", verdicts), **_discrepancies(report_dir)}
    if key == dg.AssetKey(["marts", "document_coverage"]):
        return coverage_by_document(con)
    return {}
