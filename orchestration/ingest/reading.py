"""How a source file is read: one reading of every cell, which the validation checks and the load then writes.

DuckDB's CSV reader reads every column as text; a cell is that text with its surrounding spaces trimmed (DuckDB's
trim(): tabs and line breaks stay, for the column rules and the literal check to see), empty as NULL, then cast to
its column's declared type; a row whose cells are all empty is no row. The load takes raw's rows from the typed
tables this reading fills (load.py), so what was validated is exactly what is loaded.
"""

from __future__ import annotations

from .source_files import Column, Source

CSV_OPTIONS = "header = true, auto_detect = false, quote = '\"', escape = '\"', delim = ',', strict_mode = true"

# the cell, text, as each kind of column: VARCHAR, INTEGER, DECIMAL(38,10), DATE, BOOLEAN
_CASTS = {
    "str": "{c}",
    # try_cast alone would read '1.5', '1e3' or '1_000' as integers
    "int": "case when regexp_full_match({c}, '-?[0-9]+') then try_cast({c} as integer) end",
    "decimal": "try_cast({c} as decimal(38, 10))",
    "date": "try_cast({c} as date)",
    "bool": "case {c} when 'true' then true when 'false' then false end",
}


def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_csv(source: Source, files: str, options: str = "") -> str:
    """The read_csv call reading `files` (a SQL expression: a path or a list of paths) as text columns."""
    # The columns come from the declarations in source_files.py only, never from file contents.
    columns = "{" + ", ".join(f"'{c.name}': 'VARCHAR'" for c in source.columns) + "}"
    return f"read_csv({files}, {CSV_OPTIONS}, columns = {columns}{', ' + options if options else ''})"


def text_cells(source: Source) -> str:
    """The select list reading each text column as a cell: trimmed, empty as NULL."""
    return ", ".join(f"nullif(trim({identifier(c.name)}), '') as {identifier(c.name)}" for c in source.columns)


def typed(column: Column, cell: str) -> str:
    """A cell (SQL) cast to its column's type, NULL where it does not cast."""
    return _CASTS[column.kind].format(c=cell)


def typed_cells(source: Source) -> str:
    """The select list turning the cells into the declared types."""
    return ", ".join(f"{typed(c, identifier(c.name))} as {identifier(c.name)}" for c in source.columns)


def blank(source: Source) -> str:
    """The condition on the cells of a row that holds nothing."""
    return f"coalesce({', '.join(identifier(c.name) for c in source.columns)}) is null"
