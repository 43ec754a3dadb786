"""Where each row of a source file starts, and which records of it are not well-formed CSV.

DuckDB's CSV reader reads the cells (reading.py), skipping records it cannot read, but says neither where a row
starts nor, cheaply, which records it skipped: its rejects table costs time and memory per bad line. A file whose
every line after the header is one row it read (the usual case, told by counting newlines) needs nothing more:
row i (0-based) is on line i + 2. Only a file with blank lines, quoted newlines or unreadable records is read once
more here, line by line, in memory that grows with those exceptions only.
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# records listed per file; the rest are counted
MAX_LISTED = 200


class LineCount:
    """The physical lines of a file fed to it block by block, the last one counted whether or not it ends with a
    newline; fed by the pass that checksums the file (changes.py), so counting costs no read of its own."""

    def __init__(self) -> None:
        self._newlines = 0
        self._last = b"\n"

    def update(self, block: bytes) -> None:
        if block:
            self._newlines += block.count(b"\n")
            self._last = block[-1:]

    @property
    def lines(self) -> int:
        return self._newlines + (self._last != b"\n")


@dataclass
class Records:
    """The rows of a file as this pass finds them: the well-formed records (the ones DuckDB reads) with the line
    each starts on, and the others with what is wrong with them."""

    # (index of a well-formed record, its line) wherever that is not the line after the previous one's start
    starts: tuple[array, array] = field(default_factory=lambda: (array("q"), array("q")))
    well_formed: int = 0
    # (line, reason) of the first MAX_LISTED + 1 records that are not well-formed, and how many there are
    problems: list[tuple[int, str]] = field(default_factory=list)
    malformed: int = 0

    def add_row(self, line: int) -> None:
        positions, lines = self.starts
        if not lines or lines[-1] + (self.well_formed - positions[-1]) != line:
            positions.append(self.well_formed)
            lines.append(line)
        self.well_formed += 1

    def add_problem(self, line: int, reason: str) -> None:
        if len(self.problems) <= MAX_LISTED:
            self.problems.append((line, reason))
        self.malformed += 1


_ENDINGS = {b"\r\n": "CRLF", b"\n": "LF"}


def scan(path: Path, width: int) -> Records:
    """Every record after the header, as Python's csv module reads it under the same rules as DuckDB's reader
    (`"` quotes and escapes, UTF-8, `width` columns, every line ending as the header does; trailing empty columns
    are ignored, as DuckDB does)."""
    consumed = 0
    ending = b""  # of the line read last; none for a last line without one
    undecodable: list[tuple[int, str]] = []  # the first line of the current record that is not UTF-8

    def lines(handle) -> Iterator[str]:
        nonlocal consumed, ending
        for raw in handle:
            consumed += 1
            ending = b"\r\n" if raw.endswith(b"\r\n") else raw[-1:] if raw.endswith(b"\n") else b""
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                if not undecodable:
                    undecodable.append(
                        (consumed, f"not UTF-8: byte 0x{raw[exc.start]:02x} at position {exc.start + 1} of the line")
                    )
                yield raw.decode("utf-8", "replace")

    found = Records()
    with path.open("rb") as handle:
        reader = csv.reader(lines(handle), strict=True)
        next(reader, None)  # the header, checked on its own
        undecodable.clear()
        header_ending = ending
        while True:
            start = consumed + 1
            try:
                record = next(reader)
                reason = None
                if ending and ending != header_ending:
                    # DuckDB's reader takes the header's line ending for every line's, and stops at another
                    reason = (
                        f"the line ends in {_ENDINGS[ending]}, the header in {_ENDINGS[header_ending]}: "
                        "every line of a file must end alike"
                    )
                elif not record:
                    continue  # a blank line
                elif len(record) != width and not (len(record) > width and not any(record[width:])):
                    reason = f"expected {width} columns, found {len(record)}"
            except StopIteration:
                break
            except csv.Error as exc:
                reason = f"unreadable CSV: {exc}"
            if undecodable:
                # a record with a byte that is not UTF-8 is reported there, whatever else is wrong with it
                found.add_problem(*undecodable.pop())
            elif reason:
                found.add_problem(start, reason)
            else:
                found.add_row(start)
    return found
