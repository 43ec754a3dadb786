"""A document's text as the warehouse reads it: its lines, the section each belongs to, its tables, and every
number printed in it with the place it was printed.

Texts come as plain or markdown-ish UTF-8: one paragraph per line, headings on their own lines (`## 2.1. …`,
`(1) …`, `1) …`), tables as tab-separated lines after a `Table N` caption, footnotes as lines that start with a
superscript number. The locator names the curated CSVs use (`section`, `paragraph`, `table_row`,
`table_column`) are what this reading produces, so a draft's locator and a coverage match speak the same
language as the sources. The reading is a heuristic for text without markup; the section names a document's
sources already use are passed in and always win, so a heading the patterns miss can still be named.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..ingest.number_words import FIRST_WORDS, WORDS_PATTERN

# a printed number: a dotted section number ("3.2.1"), a number with thousands separators ("29,085"), a
# decimal or integer ("2.80", "35"), or a number in words ("twenty-one", "a hundred and five", "hundreds of";
# ingest/number_words.py says which words count); never the tail of a word or of another number ("No.293" reads
# 293, "G20" none). The pattern without its look-behind is what the GX suites tokenise a figure's literal with
# (DuckDB's RE2 has none).
NUMBER_PATTERN = rf"\d+(?:\.\d+){{2,}}|\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|{WORDS_PATTERN}"
NUMBER = re.compile(rf"(?<![A-Za-z0-9])(?:{NUMBER_PATTERN})")
# where a number may start: a digit or a word that opens a number in words. NUMBER is tried there only: its
# alternatives in words are long, and trying them at every character costs the text reading six times as much
_NUMBER_START = re.compile(rf"(?<![A-Za-z0-9])(?=\d|(?i:(?:{FIRST_WORDS})\b))")
TITLE_PAGE = "Title page"
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FOOTNOTE = re.compile(rf"^([{_SUPERSCRIPTS}]+)\s*\S")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
CAPTION = re.compile(r"^(Table|Figure|Fig\.)\s*(\d+)\b")
# how a heading prints its section number: with punctuation ("2.1.", "(1)", "1)", "3.2.1", "1.") or bare ("2")
_PUNCTUATED_MARK = r"\(\d+\)|\d+\)|\d+(?:\.\d+)+\.?|\d+\."
# "2.1. The Scale …", "(1) The Purpose …", "1) Spin-Off …": short, no closing full stop
_NUMBERED_HEADING = re.compile(rf"^(?:{_PUNCTUATED_MARK}|\d+)\s+[A-Z\"“'(].{{0,150}}$")
_MARK_BEFORE_WORD = re.compile(rf"(?<![\w.,])(?:{_PUNCTUATED_MARK})(?=\s+\S)")
_OPENING_NUMBER = re.compile(r"(?<![\w.,])\d+(?=\s+\S)")
_TITLE_START = re.compile(r"\s*(?:#{1,6}\s+)?(?:\*\*|__)?")


@dataclass(frozen=True)
class Place:
    """Where on the page: the locator columns of the sources."""

    section: str | None = None
    paragraph: int | None = None
    table_row: str | None = None
    table_column: str | None = None


@dataclass(frozen=True)
class TextLine:
    number: int  # 1-based line of the text file
    text: str
    kind: str  # heading, caption, prose, footnote, table_header, table_row, blank
    place: Place
    cells: tuple[tuple[int, str], ...] = field(default=())  # table lines: (offset in the line, cell text)


@dataclass(frozen=True)
class PrintedNumber:
    line: int
    column: int  # 1-based character position in the line
    literal: str  # as printed: "29,085", "2.80", "3.2.1"
    kind: str  # the kind of line it is printed on
    place: Place


class TextError(ValueError):
    """A file that is not a UTF-8 text; the message names the file, and the line and byte where it is not."""


def decode_text(data: bytes, name: str | Path) -> str:
    """`data` read strictly as UTF-8: a text saved in another encoding (Latin-1, GBK) or a binary file is an
    error at its first byte that is not UTF-8, never a text misread or a bare UnicodeDecodeError."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        in_line = exc.start - data.rfind(b"\n", 0, exc.start)
        raise TextError(
            f"{name}:{line}: not a UTF-8 text: byte 0x{data[exc.start]:02x} at byte offset {exc.start} (byte "
            f"{in_line} of line {line}): {exc.reason}; save the text as UTF-8"
        ) from None


def clean(line: str) -> str:
    """A line without markdown emphasis or heading marks, for comparing with a section name."""
    text = _MARKDOWN_HEADING.sub(r"\1", line.strip())
    return text.replace("**", "").replace("__", "").strip()


def _known_sections(sections: Iterable[str]) -> re.Pattern | None:
    """One pattern matching the longest of `sections` a line opens with ("Table 10" before "Table 1"): one match
    per line, however many sections the document has."""
    names = sorted({s for s in sections if s}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, names))) if names else None


def _heading(line: str, known: re.Pattern | None) -> tuple[str, str] | None:
    """(kind, section name) when the line opens a section."""
    if known and (match := known.match(clean(line))):
        name = match.group(0)
        return ("caption" if CAPTION.match(name) else "heading"), name
    stripped = line.strip()
    if match := CAPTION.match(clean(stripped)):
        return "caption", f"{'Table' if match.group(1) == 'Table' else 'Figure'} {match.group(2)}"
    if match := _MARKDOWN_HEADING.match(stripped):
        return "heading", clean(match.group(1))
    if _NUMBERED_HEADING.match(stripped) and not stripped.endswith("."):
        return "heading", stripped
    return None


def section_number(heading: str) -> tuple[int, int] | None:
    """The span of a heading line's section number as printed: its first punctuated mark before a word ("1." of
    "## Copy 1 1. Introduction", "(2)", "2.1"), else a bare number that opens its title ("## 2 Results"). Its other
    numbers belong to its title ("Copy 1"). The draft words its not_figures rows by this rule."""
    if match := _MARK_BEFORE_WORD.search(heading):
        return match.span()
    if match := _OPENING_NUMBER.match(heading, _TITLE_START.match(heading).end()):
        return match.span()
    return None


def _cells(line: str) -> tuple[tuple[int, str], ...]:
    cells, offset = [], 0
    for cell in line.split("\t"):
        cells.append((offset, cell))
        offset += len(cell) + 1
    return tuple(cells)


def read_lines(text: str, known_sections: Iterable[str] = ()) -> list[TextLine]:
    """Every line of `text` with its kind and place; `known_sections` are section names the document's sources
    already use (the longest a line opens with, so "Table 10" is not read as "Table 1")."""
    known = _known_sections(known_sections)
    raw = text.splitlines()
    lines: list[TextLine] = []
    # what comes before the first heading is the title page (sources/README.md's locator convention)
    section, paragraph, header, row_label = TITLE_PAGE, 0, None, None
    for number, line in enumerate(raw, start=1):
        stripped = line.strip()
        if not stripped:
            lines.append(TextLine(number, line, "blank", Place(section)))
            continue
        if match := _FOOTNOTE.match(stripped):
            digits = "".join(str(_SUPERSCRIPTS.index(c)) for c in match.group(1))
            lines.append(TextLine(number, line, "footnote", Place(f"Footnote {digits}", 1)))
            continue
        if opened := _heading(line, known):
            kind, name = opened
            if name.startswith("Figure"):
                # a figure is an image in the running text: its caption is a place of its own, and the prose
                # after it goes on with the section (and its paragraph count) the figure interrupted
                lines.append(TextLine(number, line, kind, Place(name)))
                continue
            section = name
            paragraph, header, row_label = 0, None, None
            lines.append(TextLine(number, line, kind, Place(section)))
            continue
        if "\t" in line and section and section.startswith("Table"):
            cells = _cells(line)
            if header is None:
                header = [c.strip() for _, c in cells]
                lines.append(TextLine(number, line, "table_header", Place(section, None, header[0] or None), cells))
                continue
            if not any(c.strip() for _, c in cells[1:]) and lines[-1].kind == "table_row":
                # a row label wrapped onto a second line: the row above carries the whole label
                label = f"{lines[-1].place.table_row} {cells[0][1].strip()}"
                for i in range(len(lines) - 1, -1, -1):
                    above = lines[i]
                    if above.kind != "table_row" or above.place.table_row != lines[-1].place.table_row:
                        break
                    lines[i] = TextLine(above.number, above.text, above.kind, Place(section, None, label), above.cells)
                row_label = label
                lines.append(TextLine(number, line, "table_row", Place(section, None, row_label), cells))
                continue
            row_label = cells[0][1].strip()
            lines.append(TextLine(number, line, "table_row", Place(section, None, row_label), cells))
            continue
        paragraph += 1
        lines.append(TextLine(number, line, "prose", Place(section, paragraph)))
    return lines


def _numbers(text: str) -> Iterator[re.Match]:
    """NUMBER.finditer(text), tried only where a number may start."""
    end = 0
    for start in _NUMBER_START.finditer(text):
        if start.start() >= end and (match := NUMBER.match(text, start.start())):
            end = match.end()
            yield match


# megabytes of a text between two reports of how far its reading has got
READ_PROGRESS_MB = 4.0


class ReadProgress:
    """Tells how far the reading of a long text has got, through `report`: "read 8.0 of 20.0 MB" each time
    another `every_mb` megabytes (of UTF-8) are read. Silent for a text shorter than that."""

    def __init__(self, report: Callable[[str], None], lines: list[TextLine], every_mb: float = READ_PROGRESS_MB):
        self.report, self.every = report, int(every_mb * 1_000_000)
        self.sizes = {line.number: len(line.text.encode("utf-8")) + 1 for line in lines}
        self.total, self.done, self.next = sum(self.sizes.values()), 0, self.every

    def line(self, line: TextLine) -> None:
        self.done += self.sizes[line.number]
        if self.done >= self.next:
            self.report(f"read {self.done / 1e6:.1f} of {self.total / 1e6:.1f} MB")
            self.next = (self.done // self.every + 1) * self.every


def printed_numbers(lines: list[TextLine], progress: ReadProgress | None = None) -> list[PrintedNumber]:
    """Every number printed in the text, in reading order, each with its line, column and place (a table cell's
    row and column labels; a prose line's section and paragraph); `progress` is told each line read."""
    found: list[PrintedNumber] = []
    header: list[str] = []
    for line in lines:
        if progress:
            progress.line(line)
        if line.kind == "table_header":
            header = [c.strip() for _, c in line.cells]
        for match in _numbers(line.text):
            place = line.place
            if line.kind in ("table_header", "table_row"):
                column = None
                for index, (offset, cell) in enumerate(line.cells):
                    if offset <= match.start() < offset + len(cell) + 1:
                        column = header[index] if 0 < index < len(header) else None
                        break
                place = Place(place.section, None, place.table_row, column)
            found.append(PrintedNumber(line.number, match.start() + 1, match.group(0), line.kind, place))
    return found


# where a sentence ends: its full stop, question or exclamation mark, before a capital, a quote or the line's end
SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z\"“(]|\s*$)")


def sentence_ends(text: str) -> list[int]:
    """Where `text`'s sentences end, to find each literal's sentence with `sentence_at` (once per line)."""
    return [match.end() for match in SENTENCE_END.finditer(text)]


def sentence_at(text: str, ends: list[int], position: int) -> tuple[str, int]:
    """The sentence of `text` holding `position`, and the position within it; `ends` are `sentence_ends(text)`."""
    index = bisect_right(ends, position)
    start = ends[index - 1] if index else 0
    return text[start : ends[index] if index < len(ends) else None], position - start
