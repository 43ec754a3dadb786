"""Every number printed in a document's text, accounted for: a recorded figure, the date of a recorded event, part
of a figure's printed unit, the year a recorded figure or event refers to, or listed as not a figure (with a
reason) in the document's `sources/not_figures/<document_id>.csv`. Whatever is left is a number the sources
have not yet dealt with, and the coverage check names it with its line.

A mention claims one printing of its figure's literal at its place (its section; its table row and column for a
table cell), in its own paragraph when the literal is printed there, else anywhere in its section; a printing is
claimed by one mention only, so a figure printed twice needs two mentions. A literal in words may be printed in
other words at one of its mentions ("three major corporations" for "three major Chinese software corporations"):
that mention claims a number of the same value its paragraph prints that no literal claimed. Statuses are tried
in the order of STATUSES: a number a figure claims is not also the year of another.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..ingest.number_words import WORDS, read_words
from .text import NUMBER, READ_PROGRESS_MB, Place, PrintedNumber, ReadProgress, TextLine, printed_numbers, read_lines

_DIGITS = "0123456789"
# a number accounted for only by rows still marked draft is "draft": not yet accounted, waiting for review
STATUSES = ("figure", "event", "unit", "period", "ignored", "draft", "unaccounted")


@dataclass(frozen=True)
class Printing:
    """Something the sources say is printed at a place: a figure's literal (one mention of it) or an event's
    date. `years` are the years it refers to, so a year printed beside it in its section is its period."""

    key: str  # mention_id or event_id
    place: Place
    stated_text: str
    unit_as_printed: str | None = None
    years: tuple[int, ...] = ()
    draft: bool = False


@dataclass(frozen=True)
class Ignore:
    """A row of not_figures/<document_id>.csv: every number inside each printing of `printed` within its scope
    (its section, and paragraph when given; the whole document when section is empty; every number of the
    section when `printed` is empty) is not a figure."""

    file: str
    line: int
    section: str | None
    paragraph: int | None
    printed: str | None
    reason: str
    draft: bool = False


@dataclass(frozen=True)
class Accounted:
    number: PrintedNumber
    status: str
    accounted_by: str | None  # the mention, event or ignore line that accounts for it


@dataclass(frozen=True)
class Found:
    """Where a mention's literal is printed: [start, end) of its line (0-based) and what the text prints there.
    A literal in words printed in other words at its place is found at the number of its value it claimed there,
    else (the words are not a number of the text: "a few") at the start of its place, an empty span."""

    line: int
    start: int
    end: int
    text: str
    in_other_words: bool = False


@dataclass
class Accounting:
    numbers: list[Accounted] = field(default_factory=list)
    found: dict[str, Found] = field(default_factory=dict)  # mention -> where its literal is printed
    not_found: list[Printing] = field(default_factory=list)  # literals not printed at their place
    stale: list[Ignore] = field(default_factory=list)  # ignores that account for no number left
    document: _Document | None = field(default=None, repr=False)

    def printed_anywhere(self, literal: str) -> bool:
        """Whether the text prints `literal` anywhere, by the test of a printing at a place (occurrences)."""
        return any(occurrences(line, literal) for line in self.document.lines)

    def stale_after(self, ignores: list[Ignore]) -> list[Ignore]:
        """Which of `ignores`, listed after those accounted (in this order), would be stale: what a draft must
        not write, for the run would reject it. Marks their numbers: call it once, at the end."""
        return [ignore for ignore in ignores if not _ignore(self.document, ignore)]


def _bounded(line: str, start: int, end: int) -> bool:
    """The printing at [start, end) is not part of a longer number or word ("35" in "235", "3.5" or "1,035")."""
    before = line[start - 1] if start > 0 else " "
    earlier = line[start - 2] if start > 1 else " "
    after = line[end] if end < len(line) else " "
    further = line[end + 1] if end + 1 < len(line) else " "
    if line[start].isalnum() and (before.isalnum() or (before in ".," and earlier in _DIGITS)):
        return False
    # a superscript after a full stop is a footnote mark ("in 1984.⁷"), not a decimal
    return not (line[end - 1].isalnum() and (after.isalnum() or (after in ".," and further in _DIGITS)))


def occurrences(line: TextLine, printed: str) -> list[tuple[int, int]]:
    spans, start = [], line.text.find(printed)
    while start >= 0 and printed:
        if _bounded(line.text, start, start + len(printed)):
            spans.append((start, start + len(printed)))
        start = line.text.find(printed, start + 1)
    return spans


def _has_digit(text: str) -> bool:
    """Whether a literal prints digits: a literal in words ("three major enterprises") may be printed in other
    words at another of its mentions, which no search can confirm."""
    return any(c in _DIGITS for c in text)


def _value(literal: str) -> Decimal | None:
    """The number a printed number stands for ("three" 3, "two million" 2000000, "3,250" 3250); None for a
    bound ("hundreds of") or a dotted section number."""
    if WORDS.fullmatch(literal):
        value, high, scale = read_words(literal)
        return None if high is not None else value.scaleb(scale)
    try:
        return Decimal(literal.replace(",", ""))
    except InvalidOperation:
        return None


class _Document:
    """The text's lines and numbers, indexed so that finding a place's lines and a span's numbers costs what
    they hold, not the whole text: the accounting stays linear in the text's size."""

    def __init__(self, text: str, known_sections: Iterable[str], report: Callable[[str], None] | None, every_mb: float):
        self.lines = read_lines(text, known_sections)
        self.numbers = printed_numbers(self.lines, ReadProgress(report, self.lines, every_mb) if report else None)
        self.by_line: dict[int, list[int]] = {}  # line -> indexes of its numbers
        self.columns: dict[int, list[int]] = {}  # line -> where its numbers start (0-based), ascending
        for index, number in enumerate(self.numbers):
            self.by_line.setdefault(number.line, []).append(index)
            self.columns.setdefault(number.line, []).append(number.column - 1)
        self.by_section: dict[str | None, list[TextLine]] = {}
        self.by_paragraph: dict[tuple[str | None, int | None], list[TextLine]] = {}
        self.by_row: dict[tuple[str | None, str], list[TextLine]] = {}  # a table's lines by row label
        for line in self.lines:
            self.by_section.setdefault(line.place.section, []).append(line)
            self.by_paragraph.setdefault((line.place.section, line.place.paragraph), []).append(line)
            if line.place.table_row is not None:
                self.by_row.setdefault((line.place.section, line.place.table_row), []).append(line)
        self.by_literal: dict[str, list[int]] | None = None  # literal -> indexes of its numbers, when first needed
        self.status: dict[int, tuple[str, str | None]] = {}
        self.claimed: set[tuple[int, int, int]] = set()  # (line, start, end) of each printing a mention claimed

    def inside(self, line: TextLine, span: tuple[int, int]) -> list[int]:
        columns = self.columns.get(line.number, [])
        first, last = bisect_left(columns, span[0]), bisect_left(columns, span[1])
        return self.by_line[line.number][first:last] if first < last else []

    def section_lines(self, section: str | None, paragraph: int | None = None) -> list[TextLine]:
        """The lines of a section (every line when None), of one of its paragraphs when given."""
        if section is None:
            return [line for line in self.lines if paragraph is None or line.place.paragraph == paragraph]
        if paragraph is None:
            return self.by_section.get(section, [])
        return self.by_paragraph.get((section, paragraph), [])

    def place_lines(self, place: Place, paragraph: int | None) -> list[TextLine]:
        """The lines a printing at `place` may be on: its table row's (a cell's numbers carry their line's row),
        else its paragraph's or section's."""
        if place.table_row is not None:
            return self.by_row.get((place.section, place.table_row), [])
        return self.section_lines(place.section, paragraph)

    def printings(self, printed: str, section: str | None, paragraph: int | None) -> list[tuple[TextLine, int]]:
        """The lines in scope (section_lines) where the digits `printed` are a number of the line, each with
        where it starts: the printings of such a literal that hold a number (occurrences, the number's own start
        being the only one a run of digits can hold), without reading every line of the scope: a long table's
        not_figures rows, one per number-label, would each read the whole table."""
        if self.by_literal is None:
            self.by_literal = {}
            for index, number in enumerate(self.numbers):
                self.by_literal.setdefault(number.literal, []).append(index)
        found = []
        for index in self.by_literal.get(printed, ()):
            line = self.lines[self.numbers[index].line - 1]
            start = self.numbers[index].column - 1
            in_scope = (section is None or line.place.section == section) and (
                paragraph is None or line.place.paragraph == paragraph
            )
            if in_scope and _bounded(line.text, start, start + len(printed)):
                found.append((line, start))
        return found

    def mark(self, indexes: Iterable[int], status: str, by: str | None) -> int:
        marked = 0
        for i in indexes:
            if i not in self.status:
                self.status[i] = (status, by)
                marked += 1
        return marked


def _found(line: TextLine, start: int, end: int, in_other_words: bool = False) -> Found:
    return Found(line.number, start, end, line.text[start:end], in_other_words)


def _claim(doc: _Document, printing: Printing, status: str, exclusive: bool) -> Found | None:
    """Mark the numbers of one unclaimed printing of `printing` at its place (for an event's date, which several
    events may share, every printing in its paragraph, else in its section) and return the first; None when it
    is not printed there. A literal in words ("three enterprises") is found the same way and marks no number."""
    place = printing.place
    tiers = [place.paragraph, None] if place.paragraph is not None else [None]
    for paragraph in tiers:
        found = None
        for line in doc.place_lines(place, paragraph):
            for span in occurrences(line, printing.stated_text):
                if exclusive and (line.number, *span) in doc.claimed:
                    continue
                inside = doc.inside(line, span)
                if place.table_row is not None and not any(
                    (doc.numbers[i].place.table_row, doc.numbers[i].place.table_column)
                    == (place.table_row, place.table_column)
                    for i in inside
                ):
                    continue
                doc.mark(inside, status, printing.key)
                if exclusive:
                    doc.claimed.add((line.number, *span))
                    return _found(line, *span)
                found = found or _found(line, *span)
        if found:
            return found
    return None


def _claim_in_other_words(doc: _Document, printing: Printing, status: str) -> Found | None:
    """A literal in words not printed at its place: claim the first number its paragraph (a table row: its
    cell) prints with the literal's value that nothing claimed yet; else it is found at the start of its place
    (its paragraph's first line, else its section's), or, when the text has no such place, nowhere."""
    token = NUMBER.search(printing.stated_text)
    value = _value(token.group(0)) if token else None
    place = printing.place
    for line in doc.place_lines(place, place.paragraph) if value is not None else ():
        for i in doc.by_line.get(line.number, []):
            number = doc.numbers[i]
            same_cell = place.table_row is None or number.place.table_column == place.table_column
            if i not in doc.status and same_cell and _value(number.literal) == value:
                doc.mark([i], status, printing.key)
                start = number.column - 1
                return _found(line, start, start + len(number.literal), in_other_words=True)
    tiers = [place.paragraph, None] if place.paragraph is not None else [None]
    first = next((line for p in tiers for line in doc.place_lines(place, p) if line.kind != "blank"), None)
    return None if first is None else _found(first, 0, 0, in_other_words=True)


def _ignore(doc: _Document, ignore: Ignore) -> int:
    by = f"{ignore.file}:{ignore.line}"
    status = "draft" if ignore.draft else "ignored"
    if ignore.printed and ignore.printed.isascii() and ignore.printed.isdigit():
        printings = doc.printings(ignore.printed, ignore.section, ignore.paragraph)
        return sum(
            doc.mark(doc.inside(line, (start, start + len(ignore.printed))), status, by) for line, start in printings
        )
    lines = doc.section_lines(ignore.section, ignore.paragraph)
    if not ignore.printed:
        return doc.mark((i for line in lines for i in doc.by_line.get(line.number, [])), status, by)
    return sum(
        doc.mark(doc.inside(line, span), status, by) for line in lines for span in occurrences(line, ignore.printed)
    )


def account(
    text: str,
    mentions: list[Printing],
    events: list[Printing],
    ignores: list[Ignore],
    known_sections: Iterable[str] = (),
    report: Callable[[str], None] | None = None,
    every_mb: float = READ_PROGRESS_MB,
) -> Accounting:
    """The status of every number printed in `text`, and what the sources name that the text does not bear
    out: a literal not printed at its place, an ignore that accounts for nothing. `report` is told how far the
    reading of a long text has got (text.ReadProgress, every `every_mb` megabytes)."""
    sections = {p.place.section for p in (*mentions, *events)} | {i.section for i in ignores} | set(known_sections)
    doc = _Document(text, (s for s in sections if s), report, every_mb)
    result = Accounting(document=doc)
    # longest literals first, so "RMB 29,085 billion" is claimed whole before a shorter literal takes a part
    in_other_words = []
    for mention in sorted(mentions, key=lambda m: -len(m.stated_text)):
        status = "draft" if mention.draft else "figure"
        if found := _claim(doc, mention, status, exclusive=True):
            result.found[mention.key] = found
        elif _has_digit(mention.stated_text):
            result.not_found.append(mention)
        else:
            in_other_words.append((mention, status))
    # after every literal printed as recorded has claimed its printing, so none loses its number to another
    for mention, status in in_other_words:
        if found := _claim_in_other_words(doc, mention, status):
            result.found[mention.key] = found
    for event in events:
        if not _claim(doc, event, "event", exclusive=False) and _has_digit(event.stated_text):
            result.not_found.append(event)
    labelled: set[tuple[str | None, str]] = set()
    for mention in sorted(mentions, key=lambda m: m.draft):  # a reviewed figure's unit label wins over a draft's
        label = mention.unit_as_printed
        # a table's cells share its label: the first to mark its numbers leaves nothing for the others to mark
        if label and _has_digit(label) and (mention.place.section, label) not in labelled:
            labelled.add((mention.place.section, label))
            for line in doc.section_lines(mention.place.section):
                for span in occurrences(line, label):
                    doc.mark(doc.inside(line, span), "draft" if mention.draft else "unit", mention.key)
    years: dict[str | None, dict[int, Printing]] = {}
    # a reviewed printing's year wins over a draft's
    for printing in sorted((*mentions, *events), key=lambda p: p.draft):
        for year in printing.years:
            years.setdefault(printing.place.section, {}).setdefault(year, printing)
    for i, number in enumerate(doc.numbers):
        by = years.get(number.place.section, {}).get(int(number.literal)) if number.literal.isdigit() else None
        if by is not None:
            doc.mark([i], "draft" if by.draft else "period", by.key)
    for ignore in ignores:
        if not _ignore(doc, ignore):
            result.stale.append(ignore)
    for i, number in enumerate(doc.numbers):
        status, by = doc.status.get(i, ("unaccounted", None))
        result.numbers.append(Accounted(number, status, by))
    return result
