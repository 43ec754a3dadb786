"""A check's failed rows as its page in the UI and `warehouse run` show them: a table of the first MAX_ROWS, and
how many more there are as its last record, instead of a JSON list that the page prints on one line.

Every check's rows say what failed and why. The register gates' (Register: claim_register, reconciliation_register)
say what a person needs to act on one without opening the run's working file: what the claim or fact is, the
value printed against the value recomputed in the printed unit, the verdict and diagnosis now, and the register
line to paste (or the line to delete), which `warehouse register` appends for them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

MAX_ROWS = 20
# the id of the table's last record when more rows failed than it shows
MORE = "…"
PLACEHOLDER = "TODO: what the document most likely meant"
# the register gates' status of an entry whose finding is gone (expectations/*_register.sql)
NO_LONGER_FOUND = "listed but no longer found"

FailedRow = tuple[str, str, str]  # id, problem, explanation: what every check says of a failed row
Row = Mapping[str, str | None]  # a failed row by column, for a check that says more

# what a register gate's row says of its claim or fact, as the suite's SQL selects it
_SHOWN = ("statement", "printed", "recomputed", "verdict", "diagnosis")
# every column a table of failed rows may have, in the order shown, with what it holds
COLUMNS = {
    "id": "the failed row: a claim, a fact, a figure, a place in a text",
    "problem": "what fails",
    "statement": "what the claim says, and where; for a fact, what it is and which documents state it",
    "printed": "the value as printed (a bare table cell with the unit it is printed under); for a fact, each "
    "document's statement",
    "recomputed": "the value recomputed from the claim's inputs in the printed unit, and the range the inputs' "
    "rounding allows; for a fact, each statement's interval in the unit the documents are compared in",
    "verdict": "the verdict this run found",
    "diagnosis": "the diagnosis this run found",
    "register_line": "the register's line for it, its explanation still to write",
    "to_do": "what to do in the register",
    "explanation": "why the expectation must hold",
}


@dataclass(frozen=True)
class Register:
    """A register of investigated findings in the sources folder, and the blocking check gating it."""

    check: str  # the GX suite comparing it with the verdicts, and its check's name
    table: str  # the mart whose verdicts it lists
    file: str  # in the sources folder
    key: str  # its id column, the check's first id column
    fine: str  # the verdict that needs no entry

    def line(self, row_id: str, verdict: str, diagnosis: str, explanation: str = PLACEHOLDER) -> str:
        """An entry as the csv module writes it: the line to paste, the line `warehouse register` appends."""
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow([row_id, verdict, diagnosis, explanation])
        return out.getvalue()

    def failed_row(self, row: Mapping[str, Any], sources: Path) -> Row:
        """GX's unexpected row of the check (its id columns and register_status) as a person acts on it: the
        register line with the verdict and diagnosis now, and what to do with it in `sources`."""
        row_id, status, verdict = str(row[self.key]), str(row["register_status"]), row.get("verdict")
        path = sources / self.file
        line = None if status == NO_LONGER_FOUND else self.line(row_id, str(verdict), str(row.get("diagnosis")))
        if status == NO_LONGER_FOUND:
            gone = f"its verdict is now {verdict}" if verdict else "nothing has this id any longer"
            to_do = f"delete the line starting '{row_id},' from {path}: {gone}"
        elif status.startswith("unlisted"):
            to_do = (
                f"add the register line to {path}, its explanation written: "
                f'`warehouse register {row_id} --explanation "…"` appends it'
            )
        else:  # its verdict changed
            to_do = f"replace the line starting '{row_id},' in {path} with the register line, its explanation revised"
        shown = {column: _text(row.get(column)) for column in _SHOWN}
        return {"id": row_id, "problem": status, **shown, "register_line": line, "to_do": to_do}

    def listed(self, path: Path, row_id: str) -> tuple[int, list[str]] | None:
        """The line of the register file listing `row_id` (its number, the header's being 1) and its fields."""
        if not path.exists():
            return None
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            return next(((reader.line_num, fields) for fields in reader if fields[:1] == [row_id]), None)

    def append(self, path: Path, row_id: str, verdict: str, diagnosis: str, explanation: str) -> str:
        """Append an entry to the register file, every byte already there kept (a file without its last line
        break gets one first); a missing file is started with the header. Returns the line written."""
        line = self.line(row_id, verdict, diagnosis, explanation)
        kept = path.read_bytes() if path.exists() else b""
        with path.open("ab") as out:
            if not kept:
                out.write((",".join((self.key, "verdict", "diagnosis", "explanation")) + "\n").encode())
            elif not kept.endswith(b"\n"):
                out.write(b"\n")
            out.write((line + "\n").encode("utf-8"))
        return line


REGISTERS = {
    register.check: register
    for register in (
        Register("claim_register", "marts.claim_checks", "discrepancy_register.csv", "claim_id", "consistent"),
        Register(
            "reconciliation_register",
            "marts.figure_reconciliation",
            "reconciliation_register.csv",
            "reconciliation_id",
            "agree",
        ),
    )
}


def failed_rows_table(rows: Sequence[FailedRow | Row], total: int, listed_in: str | None = None) -> dg.MetadataValue:
    """`rows`: the failed rows known, in the order to show them; `total`: how many failed in all; `listed_in`:
    where every one of them can be read, when somewhere can. The table has the columns the rows fill."""
    records = [
        dict(zip(("id", "problem", "explanation"), row, strict=True)) if isinstance(row, tuple) else row
        for row in rows[:MAX_ROWS]
    ]
    if total > len(records):
        records.append(
            {"id": MORE, "problem": f"{total - len(records)} more" + (f" ({listed_in})" if listed_in else "")}
        )
    columns = [column for column in COLUMNS if any(column in record for record in records)]
    return dg.MetadataValue.table(
        records=[dg.TableRecord({column: _text(record.get(column)) for column in columns}) for record in records],
        schema=dg.TableSchema(columns=[dg.TableColumn(column, "string", COLUMNS[column]) for column in columns]),
    )


def record_lines(record: Mapping[str, Any]) -> list[str]:
    """A record of the table for a terminal: a register gate's row as a block to act on, any other in a line."""
    if record["id"] == MORE:
        return [f"  {MORE} {record['problem']}"]
    if not record.get("to_do"):
        why = record.get("explanation")
        return [f"  {record['id']}: {record['problem']}" + (f" ({why})" if why else "")]
    lines = [f"  {record['id']}: {record['problem']}"]
    lines += [f"    {column + ':':<12}{record[column]}" for column in _SHOWN if record.get(column)]
    lines.append(f"    {'to do:':<12}{record['to_do']}")
    if record.get("register_line"):
        lines.append(f"      {record['register_line']}")
    return lines


def _text(value: object) -> str | None:
    return None if value is None else str(value)
