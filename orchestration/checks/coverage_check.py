"""The blocking document_coverage check: every number printed in a document's text is a recorded figure, an
event's date, part of a unit label, a recorded period or listed as not a figure; and every literal the sources
place is printed there. A failure names each problem at once (up to MAX_SHOWN) as `<text file>:<line>: '<literal>'
in <section> — not recorded, not ignored`, and holds back the publish step as the blocking GX suites do.
"""

import dagster as dg

from ..resources.warehouse_resource import WarehouseResource
from ..run_worker import record_worker
from ..settings import WRITER_POOL
from .failed_rows import FailedRow, failed_rows_table

COVERAGE_CHECK = "document_coverage"
COVERAGE_KEY = dg.AssetKey(["marts", "document_coverage"])
MAX_SHOWN = 100


def coverage_outcome(con) -> tuple[list[FailedRow], int, list[dict]]:
    """The problems (the first MAX_SHOWN, in text order) as (where, status, message), how many there are, and
    each document's coverage."""
    problems = con.execute(
        "select coalesce(file_name || ':' || line, file_name, document_id), status, problem "
        "from marts.unaccounted_numbers order by document_id, line nulls last, line_column, literal "
        f"limit {MAX_SHOWN}"
    ).fetchall()
    total = con.execute("select count(*) from marts.unaccounted_numbers").fetchone()[0]
    columns = ("document_id", "numbers_in_text", "recorded", "ignored", "unaccounted", "coverage_pct", "coverage_note")
    coverage = [
        dict(zip(columns, row, strict=True))
        for row in con.execute(
            f"select {', '.join(columns)} from marts.document_coverage order by document_id"
        ).fetchall()
    ]
    for row in coverage:
        row["coverage_pct"] = None if row["coverage_pct"] is None else float(row["coverage_pct"])
    return problems, total, coverage


@dg.asset_check(
    asset=COVERAGE_KEY,
    name=COVERAGE_CHECK,
    blocking=True,
    pool=WRITER_POOL,
    description="Every number printed in each document's text is accounted for (a recorded figure or event, a "
    "unit label, a recorded period, or listed in sources/not_figures with a reason), and every "
    "literal is printed where its mention says; fails naming each unaccounted number with its line. "
    "Documents without a text pass, with null coverage and the reason.",
)
def document_coverage_check(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.reading(record_worker(context, warehouse.settings)) as con:
        problems, total, coverage = coverage_outcome(con)
    if total:
        more = [f"... and {total - len(problems)} more (marts.unaccounted_numbers)"] if total > len(problems) else []
        description = (
            f"{total} number(s) or literal(s) not accounted for: record each figure (sources/figures, "
            "mentions) or list it in sources/not_figures/<document_id>.csv with a reason\n"
            + "\n".join([message for _, _, message in problems] + more)
        )
    else:
        description = "every number accounted for: " + coverage_line(coverage)
    return dg.AssetCheckResult(
        passed=total == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata={
            "problems": total,
            "coverage": dg.MetadataValue.json(coverage),
            **({"failed_rows": failed_rows_table(problems, total, "marts.unaccounted_numbers")} if total else {}),
        },
    )


def coverage_line(coverage: list[dict]) -> str:
    """Each document's coverage in a few words, for the run summary."""
    return "; ".join(
        f"{row['document_id']} {row['coverage_pct']:g}% of {row['numbers_in_text']} numbers "
        f"({row['unaccounted']} unaccounted)"
        if row["coverage_pct"] is not None
        else f"{row['document_id']} not computed ({row['coverage_note']})"
        for row in coverage
    )
