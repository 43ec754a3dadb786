"""Where a printed quantity's literal starts and ends around its number, the unit label a table cell takes from
its row or caption, and the numbers that are structure (headings, captions, labels, references, citations), not
quantities: how a draft reads what is printed, before it suggests what it means."""

from __future__ import annotations

import re
from functools import lru_cache

from ..ingest.literals import LiteralParseError, parse_unit_label
from .text import CAPTION, NUMBER, PrintedNumber, TextLine, clean, section_number

_BEFORE = re.compile(
    r"(?:(?<![A-Za-z])(?:approximately|about|around|nearly|roughly|more than|over|exceeded|exceeding|above|"
    r"less than|under|below|fewer than|at least|no less than|at most|up to|no more than) +)?"
    r"(?:US ?\\?\$ ?|U\.S\. ?\\?\$ ?|RMB ?|¥ ?|\\?\$ ?)?$",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"(?:st|nd|rd|th)\b")
_RANGE = re.compile(rf" ?%? ?(?:to|-|–|~) ?(?:{NUMBER.pattern})")
_PERCENT = re.compile(r" ?(?:\\?%|percent\b)", re.IGNORECASE)
_MULTIPLIER = re.compile(
    r" +(?:100 million|10,000|10 ?\^ ?\d+|10 ?<sup> ?\d+ ?</sup>|trillion|billion|million|"
    r"thousand)\b",
    re.IGNORECASE,
)
_UNIT = re.compile(
    r"(?: +|-)(?:U\.S\. dollars?|US dollars?|dollars?|yuan|RMB|yen|times|fold|"
    r"square kilomet(?:er|re)s?|km2|km²)\b",
    re.IGNORECASE,
)
YEAR = re.compile(r"(?<![\d.,])(?:19|20)\d\d(?![\d.,]\d)")
_CAPTION_UNIT = re.compile(r"\(unit: *([^)]+)\)", re.IGNORECASE)
_ROW_UNIT = re.compile(r"\(([^)]+)\)\s*$")
# a row that reads as a rate takes no money unit from its table's caption ("Growth" under "US$ 100 million")
_RATE_ROW = re.compile(r"growth|rate|share|ratio|proportion|%", re.IGNORECASE)
_REFERENCE = re.compile(r"\b(Table|Figure|Fig\.|Chapter|Section|Footnote|p\.|pp\.)\s*$")
_CITATION = re.compile(r"\[[\d,;\s–-]*$")
_WORD_BEFORE = re.compile(r"(?<!\S)(?:\S+\s+)?\S*$")
# how far before a number the patterns that end at it look ("[12, 15, ", the word before it): a bound, so that a
# long line costs its length once, not once per number printed in it
_LOOK_BACK = 200
# a comparator, currency or reference word before a number ("no more than U.S. $ ", "Footnote ") is shorter still
_PREFIX_REACH = 40


def literal_span(text: str, start: int, end: int, ranges: bool) -> tuple[int, int]:
    """The span of the literal printed around the number at text[start:end]: comparator and currency before it,
    a range's second number (unless `ranges` is off: "2011-2015" is a span of years), percent, multiplier and
    unit after it."""
    start = _BEFORE.search(text, max(0, start - _PREFIX_REACH), start).start()
    if match := _ORDINAL.match(text, end):
        return start, match.end()
    if ranges and (match := _RANGE.match(text, end)):
        end = match.end()
    if match := _PERCENT.match(text, end):
        return start, match.end()
    if match := _MULTIPLIER.match(text, end):
        end = match.end()
    if match := _UNIT.match(text, end):
        end = match.end()
    return start, end


@lru_cache(maxsize=1 << 12)  # a table's cells share their caption and row labels
def unit_label(caption: str | None, row_label: str | None) -> str | None:
    """A table cell's unit label: its row's own "(…)" when that reads as a unit, else the caption's "(unit: …)"."""
    for label, match in (
        (row_label, _ROW_UNIT.search(row_label or "")),
        (caption, _CAPTION_UNIT.search(caption or "")),
    ):
        if match is None or (label is caption and _RATE_ROW.search(row_label or "")):
            continue
        try:
            parse_unit_label(match.group(1))
        except LiteralParseError:
            continue
        return match.group(1).strip()
    return None


def _in_heading(text: str, start: int, end: int) -> tuple[str, str]:
    """(printed, reason) for a number of a heading: its section number (text.section_number), or a number of
    its title printed with the word before it ("Copy 1"), so that neither row also accounts for the other."""
    mark = section_number(text)
    if mark and mark[0] <= start < mark[1]:
        return text[mark[0] : mark[1]], "the heading's section number"
    return text[_WORD_BEFORE.search(text, max(0, start - _LOOK_BACK), start).start() : end], "part of the heading"


def skipped_reason(line: TextLine, number: PrintedNumber, start: int, consumed: int) -> tuple[str, str] | None:
    """(printed, reason) when the number is structure, not a quantity: what a not_figures row would say."""
    literal = number.literal
    if start < consumed:
        return None  # the second number of a range, part of the literal before it
    if line.kind == "heading":
        return _in_heading(line.text, start, start + len(literal))
    if line.kind == "caption":
        caption = CAPTION.match(clean(line.text))
        if caption and caption.group(2) == literal:
            return f"{caption.group(1)} {literal}", "the number of the table or figure, in its caption"
        return literal, "printed in the caption"
    if line.kind == "table_header":
        return literal, "a column label of the table"
    if reference := _REFERENCE.search(line.text, max(0, start - _PREFIX_REACH), start):
        return f"{reference.group(1)} {literal}", "a cross-reference (a table, figure, chapter or page number)"
    if re.fullmatch(r"\d+(?:\.\d+){2,}", literal):
        return literal, "a section number"
    if _CITATION.search(line.text, max(0, start - _LOOK_BACK), start):
        return literal, "a citation mark"
    if line.kind == "table_row" and number.place.table_column is None:
        return literal, "part of the row label"
    return None
