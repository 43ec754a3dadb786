"""A check's failed rows as its page in the UI shows them: a markdown table (id, reason, explanation) of the first
MAX_ROWS, and how many more there are, instead of a JSON list that the page prints on one line."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

MAX_ROWS = 20

FailedRow = tuple[str, str, str]  # id, reason, explanation


def failed_rows_table(rows: Sequence[FailedRow], total: int, listed_in: str | None = None) -> dg.MetadataValue:
    """`rows`: the failed rows known, in the order to show them; `total`: how many failed in all; `listed_in`:
    where every one of them can be read, when somewhere can."""
    shown = rows[:MAX_ROWS]
    lines = ["| id | reason | explanation |", "| --- | --- | --- |"]
    lines += [f"| {' | '.join(_cell(value) for value in row)} |" for row in shown]
    if total > len(shown):
        lines.append(f"\n... and {total - len(shown)} more" + (f" ({listed_in})" if listed_in else ""))
    return dg.MetadataValue.md("\n".join(lines))


def _cell(value: object) -> str:
    """A pipe would end the cell and a line break the row."""
    return str(value).replace("|", "\\|").replace("\n", " ")
