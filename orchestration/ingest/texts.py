"""Every number printed in the texts of the documents a run reads, accounted for against their source rows
(corpus/coverage.py), as the rows of `raw.text_numbers`; where the accounting found each mention's literal, what
the text prints there and its value read again by the literal parser (ingest/literals.py), as the rows of
`raw.mention_printings`; and whether each document's text was there to read, as the rows of
`raw.document_texts`. A document without a text still loads: its row says why it was not read.

A literal the text does not print anywhere (coverage's own test of a printing) is a problem of its figure's or
event's file and line, as any other source problem; one printed elsewhere than its place is a row of
`raw.text_numbers` (not_found) for the coverage check to name. An ignore entry that accounts for no number is a
problem of its file and line too: stale entries would otherwise pile up and hide a number that later needs
recording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..corpus.coverage import Ignore, Printing, account
from ..corpus.text import READ_PROGRESS_MB, Place
from .validation.figures import read_literals

NUMBER_COLUMNS = (
    "document_id",
    "file_name",
    "line",
    "column",
    "literal",
    "section",
    "paragraph",
    "table_row",
    "table_column",
    "status",
    "accounted_by",
)
TEXT_COLUMNS = ("document_id", "file_name", "text_present", "reason")
PRINTING_COLUMNS = (
    "document_id",
    "mention_id",
    "line",
    "column",
    "text_at_locator",
    "in_other_words",
    "value_read",
    "scale_read",
)
# the tables the texts' accounting fills, with their columns' types
TEXT_TABLES = {
    "text_numbers": dict(
        zip(
            NUMBER_COLUMNS,
            (
                "varchar",
                "varchar",
                "integer",
                "integer",
                "varchar",
                "varchar",
                "integer",
                "varchar",
                "varchar",
                "varchar",
                "varchar",
            ),
            strict=True,
        )
    ),
    "document_texts": dict(zip(TEXT_COLUMNS, ("varchar", "varchar", "boolean", "varchar"), strict=True)),
    "mention_printings": dict(
        zip(
            PRINTING_COLUMNS,
            ("varchar", "varchar", "integer", "integer", "varchar", "boolean", "decimal(38, 10)", "integer"),
            strict=True,
        )
    ),
}
# a printing the sources name that the text does not bear out at its place
NOT_FOUND = "not_found"


@dataclass
class TextReadings:
    numbers: list[tuple] = field(default_factory=list)  # rows of raw.text_numbers
    texts: list[tuple] = field(default_factory=list)  # rows of raw.document_texts
    printings: list[tuple] = field(default_factory=list)  # rows of raw.mention_printings
    problems: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line, reason)

    def rows(self, table: str) -> list[tuple]:
        """The rows read for one of TEXT_TABLES."""
        return {"text_numbers": self.numbers, "document_texts": self.texts, "mention_printings": self.printings}[table]


def _place(section, paragraph, table_row=None, table_column=None) -> Place:
    return Place(section, paragraph, table_row, table_column)


def _years(*years) -> tuple[int, ...]:
    return tuple(y for y in years if y is not None)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, document: str) -> list[tuple]:
    return con.execute(sql, {"doc": document}).fetchall()


def _logged(file_name: str):
    """How far the reading of a long text has got, as a line of the run's log."""

    def report(message: str) -> None:
        import dagster as dg  # in a step, Dagster's logger puts the line in the run's log

        dg.get_dagster_logger().info(f"{file_name}: {message}")

    return report


def _account_document(
    con: duckdb.DuckDBPyConnection,
    document: str,
    file_name: str,
    text: str,
    readings: TextReadings,
    every_mb: float = READ_PROGRESS_MB,
) -> None:
    rows = _rows(
        con,
        """
        select m.mention_id, m.section, m.paragraph, m.table_row, m.table_column, f.stated_text, f.unit_as_printed,
               f.year, f.start_year, f.end_year, year(f.as_of_date), m.review_status, f.unit_interpreted,
               f._file, f._line
        from mentions as m join figures as f using (figure_id)
        where m.document_id = $doc and f.stated_text is not null and m.section is not null
        order by m._file, m._line""",
        document,
    )
    mentions = [
        Printing(row[0], _place(*row[1:5]), row[5], row[6], _years(*row[7:11]), row[11] == "draft") for row in rows
    ]
    units = {row[0]: (row[6], row[12]) for row in rows}
    source_rows = {row[0]: row[13:15] for row in rows}
    # an event dated by decade refers to its first and last year (year, year_high), not to the years between
    event_rows = _rows(
        con,
        """
        select event_id, section, paragraph, stated_text, year, year_high, _file, _line from events
        where document_id = $doc and stated_text is not null and section is not null
        order by _file, _line""",
        document,
    )
    events = [
        Printing(key, _place(section, paragraph), stated, None, _years(year, year_high))
        for key, section, paragraph, stated, year, year_high, *_ in event_rows
    ]
    source_rows |= {row[0]: row[6:8] for row in event_rows}
    ignores = [
        Ignore(*row[:6], row[6] == "draft")
        for row in _rows(
            con,
            """
        select _file, _line, section, paragraph, printed, reason, review_status from not_figures
        where document_id = $doc and reason is not null order by _file, _line""",
            document,
        )
    ]
    sections = [
        s
        for (s,) in _rows(
            con,
            """
        select section from figures where document_id = $doc and section is not null
        union select section from claims where document_id = $doc and section is not null""",
            document,
        )
    ]
    result = account(text, mentions, events, ignores, sections, _logged(file_name), every_mb)
    for item in result.numbers:
        n, place = item.number, item.number.place
        readings.numbers.append(
            (
                document,
                file_name,
                n.line,
                n.column,
                n.literal,
                place.section,
                place.paragraph,
                place.table_row,
                place.table_column,
                item.status,
                item.accounted_by,
            )
        )
    # the literal parser's reading needs the figure's unit label: a bare table cell prints its number only
    readings.printings += [
        (document, key, found.line, found.start + 1, found.text, found.in_other_words, *units[key])
        for key, found in result.found.items()
    ]
    for printing in result.not_found:
        place = printing.place
        if not result.printed_anywhere(printing.stated_text):
            readings.problems.append(
                (
                    *source_rows[printing.key],
                    f"stated_text '{printing.stated_text}' does not occur in document '{document}'",
                )
            )
            continue
        readings.numbers.append(
            (
                document,
                file_name,
                None,
                None,
                printing.stated_text,
                place.section,
                place.paragraph,
                place.table_row,
                place.table_column,
                NOT_FOUND,
                printing.key,
            )
        )
    for ignore in result.stale:
        scope = f"section {ignore.section!r}" if ignore.section else "the whole text"
        readings.problems.append(
            (
                ignore.file,
                ignore.line,
                f"not a figure {ignore.printed or '(every number)'!r}: "
                f"accounts for no number of {scope} that is not already accounted for "
                "(a stale entry: remove it)",
            )
        )


def read_texts(
    con: duckdb.DuckDBPyConnection,
    documents: frozenset[str],
    texts: dict[str, str],
    documents_dir: Path | None,
    every_mb: float = READ_PROGRESS_MB,
) -> TextReadings:
    """The accounting of every document of `documents` (those the run reads) whose text is in `texts`, and a
    row per document saying whether its text was read and why not; the run's log tells how far the reading of
    a long text has got, every `every_mb` megabytes."""
    readings = TextReadings()
    for document, file_name in con.execute(
        "select document_id, file_name from documents where document_id in (select unnest($docs::varchar[])) "
        "order by document_id",
        {"docs": sorted(documents)},
    ).fetchall():
        if document in texts:
            readings.texts.append((document, file_name, True, None))
            _account_document(con, document, file_name, texts[document], readings, every_mb)
        elif documents_dir is None:
            readings.texts.append(
                (
                    document,
                    file_name,
                    False,
                    "no texts folder (DOCUMENTS_DIR gives none): the numbers were not checked against the text",
                )
            )
        elif file_name is None:
            readings.texts.append(
                (
                    document,
                    None,
                    False,
                    "documents.csv names no text file for this document: "
                    "its figures load without a text to check them against",
                )
            )
    readings.printings = _read_again(con, readings.printings)
    return readings


def _read_again(con: duckdb.DuckDBPyConnection, printings: list[tuple]) -> list[tuple]:
    """Each printing with the value and scale the literal parser reads from what the text prints there, each
    distinct literal read once (read_literals, as the figures' own literals are)."""
    if not printings:
        return []
    literals = list({(text, unit, interpreted) for *_, text, _, unit, interpreted in printings})
    con.execute(
        "create or replace temp table printed_literals as select unnest($t::varchar[]) as stated_text, "
        "unnest($u::varchar[]) as unit_as_printed, unnest($i::varchar[]) as unit_interpreted",
        {"t": [t for t, _, _ in literals], "u": [u for _, u, _ in literals], "i": [i for _, _, i in literals]},
    )
    read_literals(con, "printed_literals")
    values = {
        (text, unit, interpreted): (value, scale)
        for text, unit, interpreted, value, scale in con.execute(
            "select stated_text, unit_as_printed, unit_interpreted, value, scale from readings"
        ).fetchall()
    }
    return [(*row[:6], *values.get((row[4], *row[6:]), (None, None))) for row in printings]
