"""Where a printed quantity's literal starts and ends around its number, the unit label a table cell takes from
its row or caption, and the numbers that are structure (headings, captions, labels, references, citations), not
quantities: how a draft reads what is printed, before it suggests what it means."""

from __future__ import annotations

import re
from functools import lru_cache

from ..ingest.literals import LiteralParseError, parse_unit_label
from .text import CAPTION, NUMBER, PrintedNumber, TextLine, clean, section_number

_BEFORE = re.compile(
    r"(?:(?<![A-Za-z])(?:approximately|about|around|nearly|roughly|some|more than|over|exceeded|exceeding|above|"
    r"less than|under|below|fewer than|at least|no less than|at most|up to|no more than) +)?"
    r"(?:(?:US ?\\?\$|U\.S\. ?\\?\$|\\?\$|¥|€) ?|(?<![A-Za-z])(?:USD|RMB|CNY|JPY|EUR) ?)?$",
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
    r"(?: +|-)(?:U\.S\. dollars?|US dollars?|dollars?|USD|yuan|RMB|CNY|yen|JPY|euros?|EUR|times|fold|"
    r"square kilomet(?:er|re)s?|km2|km²)\b",
    re.IGNORECASE,
)
YEAR = re.compile(r"(?<![\d.,])(?:19|20)\d\d(?![\d.,]\d)")
# the thing a number in words counts, taken into its literal as the curated literals do ("twenty-one cities",
# "five national export bases"): up to three lowercase words after it, up to a function word ("two more
# segments" stays "two"), a comma or a full stop
_FUNCTION_WORD = (
    r"(?:of|and|or|but|to|in|on|at|by|for|from|with|along|the|a|an|more|less|than|as|per|is|are|was|were|be|"
    r"been|have|has|had|which|that|who|whom|whose|times|each|other|others|such|including)\b"
)
_COUNTED = re.compile(rf" +(?!{_FUNCTION_WORD})[a-z]+(?:-[a-z]+)*\b")
# what a count counts, as reviewers record it ("1,100 employees", "29 universities", "some 128,000 people",
# "twenty-one service outsourcing model cities"): up to three words and a plural noun, none a function word
# ("246 were foreign" stays "246"); a number in words without one takes the word after it ("a dozen firm")
_COUNTED_NOUN = re.compile(
    rf"(?: +(?!{_FUNCTION_WORD}|its\b|this\b|thus\b)[a-z]+(?:-[a-z]+)*){{0,3}}"
    rf" +(?!{_FUNCTION_WORD}|its\b|this\b|thus\b|always\b|perhaps\b)(?:people|staff|[a-z]+s)\b"
)
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_FULL_YEAR = r"(?:1[89]|20)\d\d"
_TIME = r"\d{1,2}:\d\d(?::\d\d)?"
# a date or time in any printed form: "2011-03-08", "2009-5-26 15:16:06", "08/03/2011", "March 8, 2011",
# "8 March 2011", "June 2008", "15:16"; every number in it is part of the date, none a quantity
DATE = re.compile(
    rf"(?<![\w.,])(?:{_FULL_YEAR}([-/.])(?:1[0-2]|0?[1-9])\1(?:[12]\d|3[01]|0?[1-9])(?:[ T]{_TIME})?"
    rf"|(?:[12]\d|3[01]|0?[1-9])([-/.])(?:[12]\d|3[01]|0?[1-9])\2{_FULL_YEAR}(?: {_TIME})?"
    rf"|{_MONTH} {_DAY}(?:,? {_FULL_YEAR})?|{_DAY} (?:of )?{_MONTH}(?:,? {_FULL_YEAR})?|{_MONTH},? {_FULL_YEAR}"
    rf"|{_TIME})(?![\w:]|[.,]\d)"
)
# a number inside a name: after a capitalised word ("Fortune 500", "Windows 7", "Industry 4.0", "Top 100"), or
# an ordinal or a capitalised number word before capitalised words ("14th Five-Year Plan", "the Three Gorges").
# The capitalised words that open a sentence or a quantity before a number are not names ("In 2010", "About
# 500", "US 500"); a year after a name is the year rule's ("Dalian 2010").
_NAME_BEFORE = re.compile(r"(?<![\w$.])([A-Z][A-Za-z]*) $")
_NOT_NAMES = frozenset(
    "about above after almost among and approximately around as at before below between by during each every "
    "exceeding fewer for from in less more nearly no of on only or over reaching roughly since some than that the "
    "these this those to totally under until up with within us usd rmb cny jpy eur hk hkd".split()
)
_ORDINAL_NAME = re.compile(r"(?:st|nd|rd|th)(?:[ -][A-Z][A-Za-z]*)+")
_CAPITALISED_AFTER = re.compile(r"(?:[ -][A-Z][A-Za-z]*)+")
_ORDINAL_BEFORE = re.compile(r"(?<![\w.,])\d+(?:st|nd|rd|th) $")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“(]\s*)$")
_CAPTION_UNIT = re.compile(r"\(unit: *([^)]+)\)", re.IGNORECASE)
_ROW_UNIT = re.compile(r"\(([^)]+)\)\s*$")
# a row that reads as a rate takes no money unit from its table's caption ("Growth" under "US$ 100 million")
_RATE_ROW = re.compile(r"growth|rate|share|ratio|proportion|%", re.IGNORECASE)
_REFERENCE = re.compile(r"\b(Table|Figure|Fig\.|Chapter|Section|Footnote|p\.|pp\.)\s*$")
_CITATION = re.compile(r"\[[\d,;\s–-]*$")
_WORD_BEFORE = re.compile(r"(?<!\S)(?:\S+\s+)?\S*$")
_SECTION_NUMBER = re.compile(r"\d+(?:\.\d+){2,}")
# how far before a number the patterns that end at it look ("[12, 15, ", the word before it): a bound, so that a
# long line costs its length once, not once per number printed in it
_LOOK_BACK = 200
# a comparator, currency or reference word before a number ("no more than U.S. $ ", "Footnote ") is shorter still
_PREFIX_REACH = 40


def literal_span(text: str, start: int, end: int, ranges: bool) -> tuple[int, int]:
    """The span of the literal printed around the number at text[start:end]: comparator and currency before it,
    a range's second number (unless `ranges` is off: "2011-2015" is a span of years), percent, multiplier and
    unit after it; a number in words also takes the word it counts."""
    in_words = not text[start].isdigit()
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
        return start, match.end()
    if match := _COUNTED_NOUN.match(text, end) or (in_words and _COUNTED.match(text, end)):
        end = match.end()
    return start, end


def _date(text: str, start: int) -> str | None:
    """The date printed around text[start], when there is one."""
    for match in DATE.finditer(text, max(0, start - _PREFIX_REACH), start + _PREFIX_REACH):
        if match.start() <= start < match.end():
            return match.group(0)
    return None


def _name(text: str, start: int, end: int) -> str | None:
    """The name printed around the number at text[start:end], when it is part of one (see _NAME_BEFORE)."""
    literal = text[start:end]
    if YEAR.fullmatch(literal) or any(p.match(text, end) for p in (_PERCENT, _MULTIPLIER, _UNIT)):
        return None
    if (before := _NAME_BEFORE.search(text, max(0, start - _PREFIX_REACH), start)) and before.group(
        1
    ).lower() not in _NOT_NAMES:
        return text[before.start() : end]
    if literal[0].isdigit():
        after = _ORDINAL_NAME.match(text, end)
        return text[start : after.end()] if after else None
    if literal[0].isupper() and not _SENTENCE_START.search(text, max(0, start - _PREFIX_REACH), start):
        if after := _CAPITALISED_AFTER.match(text, end):
            ordinal = _ORDINAL_BEFORE.search(text, max(0, start - _PREFIX_REACH), start)
            return text[ordinal.start() if ordinal else start : after.end()]
    return None


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
    if date := _date(line.text, start):
        return date, "a date, not a figure"
    if reference := _REFERENCE.search(line.text, max(0, start - _PREFIX_REACH), start):
        return f"{reference.group(1)} {literal}", "a cross-reference (a table, figure, chapter or page number)"
    if _SECTION_NUMBER.fullmatch(literal):
        return literal, "a section number"
    if _CITATION.search(line.text, max(0, start - _LOOK_BACK), start):
        return literal, "a citation mark"
    if line.kind == "table_row" and number.place.table_column is None:
        return literal, "part of the row label"
    if name := _name(line.text, start, start + len(literal)):
        return name, "part of a name"
    return None
