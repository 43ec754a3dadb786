"""What the measure migration (issue 13, point 2) must leave unchanged, as queries on a built warehouse.

The fixture in tests/fixtures/measure_migration/ was written by `export` on the warehouse built from the sources
before the migration (main at 526d98a, when growth rates, shares, multiples and ranks were indicator codes of
their own); test_measure_migration.py runs the same queries after it and compares. One cell changed since, on
purpose: ningbo_c018's diagnosis is "bound holds", not "within rounding", since the claim checks say "within
rounding" only when rounding explains the gap (its stated "more than 60%" holds at every recomputed value).
One column is renamed since (issue 34): fct_observation's range upper end, value_high then, is range_high.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "measure_migration"

# every figure's identity, period and quantity, printed and in base units; the indicator code is compared
# through the mapping, so it is exported apart
FIGURES = """
    select figure_id, document_id, indicator_code, entity_type, entity_id, period_kind, year, start_year,
           end_year, as_of_date, locator, stated_text, printed_value, printed_value_high, decimals, scale,
           comparator, obs_status, unit, currency, value, range_high, value_cny, value_usd, fx_cny_per_usd,
           fx_jpy_per_usd, mention_count
    from marts.fct_observation order by figure_id"""

CLAIMS = """
    select claim_id, document_id, claim_kind, relation, stated_figure_id, input_figure_ids, stated_value,
           stated_unit, stated_comparator, recomputed_value, recomputed_low, recomputed_high, compared_in,
           verdict, diagnosis, registered_verdict, registered_diagnosis
    from marts.claim_checks where claim_origin <> 'derived' order by claim_id"""


def rows(warehouse: Path, query: str) -> list[dict[str, str]]:
    """The query's rows as DuckDB writes them to CSV, so a value compares exactly as it was exported."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(f"select * from ({query}) where false")
        names = [d[0] for d in cursor.description]
        cast = ", ".join(f'cast("{n}" as varchar) as "{n}"' for n in names)
        result = con.execute(f"select {cast} from ({query})")
        return [{n: ("" if v is None else v) for n, v in zip(names, r, strict=True)} for r in result.fetchall()]


def read(name: str) -> list[dict[str, str]]:
    with (FIXTURE / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write(name: str, found: list[dict[str, str]]) -> None:
    with (FIXTURE / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(found[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(found)


def export(warehouse: Path) -> None:
    """Write figures_before.csv and claims_before.csv from a warehouse built before the migration."""
    FIXTURE.mkdir(parents=True, exist_ok=True)
    write("figures_before.csv", rows(warehouse, FIGURES))
    write("claims_before.csv", rows(warehouse, CLAIMS))


if __name__ == "__main__":
    import sys

    export(Path(sys.argv[1]))
