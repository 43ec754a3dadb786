"""One cell a review types or picks, checked by its column's declared rules (source_files.py) as the ingest reads
it (reading.py: trimmed, empty as NULL, cast to the column's type), so a bad value is refused by `warehouse review`
with the run's own wording instead of surfacing at the next run.

What the rules of one cell cannot see is left to the run: references to the catalogues, a figure's years against
its document's publication year, a period's columns together, and the literal against the text.
"""

from __future__ import annotations

from ..ingest.reading import typed
from ..ingest.source_files import Column, Source


class CellRules:
    """Checks cells against their columns' rules in one private in-memory DuckDB, opened at the first cell."""

    def __init__(self):
        self._con = None

    def _execute(self, sql: str, value: str):
        if self._con is None:
            from ..resources.connections import connect

            self._con = connect()
        return self._con.execute(sql, {"v": value}).fetchone()[0]

    def problems(self, source: Source, name: str, value: str, draft: bool) -> list[str]:
        """Why `value` cannot be the cell of column `name` (none: it can); a draft row may leave its suggested
        cells empty."""
        column: Column = next(c for c in source.columns if c.name == name)
        cell = value.strip()
        if not cell:
            return [f"{name} is required"] if column.required and not (column.suggested and draft) else []
        cast = typed(column, "$v")
        if column.kind != "str" and self._execute(f"select {cast} is null", cell):
            return [f"{name}='{cell}' is not a valid {column.kind}"]
        if column.allowed and cell not in column.allowed:
            return [f"{name}='{cell}' is not one of {', '.join(column.allowed)}"]
        return [
            rule.problem.replace("{value}", cell)
            for rule in column.rules
            if not self._execute(f"select coalesce({rule.holds.replace('{c}', f'({cast})')}, true)", cell)
        ]

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
