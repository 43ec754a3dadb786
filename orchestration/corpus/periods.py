"""The period a printed quantity refers to, read from the words around it: a year, a span of years, a date "as
of" which it holds, a half-year or a quarter, or a date relative to the document's own ("last year", "now").

The nearest evidence wins: a period printed beside the literal, then elsewhere in its sentence, then one stated
earlier in the paragraph (a year carries to the sentences after it), then the section heading. A relative date
is resolved against the year the text names nearest it, or against the document's date. A period that ends after
the document's date is what the document expected (a target or a forecast), suggested with obs_status F.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from .suggestion import Context, Suggestion
from .text import sentence_ends

# how sure a period is, by where its evidence is printed
NEAR, SENTENCE, EARLIER, HEADING, DOCUMENT, NOTHING = 0.9, 0.75, 0.55, 0.4, 0.3, 0.15
# characters between a period and the literal that still count as beside it
_BESIDE = 40
# a relative date is as sure as where it is printed, less the step from it to the year it is resolved against
_RESOLVED = {SENTENCE: 0.05, EARLIER: 0.1, HEADING: 0.15, DOCUMENT: 0.15}
# a year printed as the base of a comparison ("up 20% from 2009") is rarely the period of the figure itself
_BASE_PENALTY = 0.2
_COLUMNS = ("period_kind", "year", "start_year", "end_year", "as_of_date")


@dataclass(frozen=True)
class Period:
    kind: str  # year, span, as_of, half, quarter
    year: int | None = None
    start_year: int | None = None
    end_year: int | None = None
    as_of_date: date | None = None

    @property
    def first_day(self) -> date:
        months = {"half": 5, "quarter": 2, "as_of": 0}
        if self.kind in months:
            return self.as_of_date.replace(day=1, month=self.as_of_date.month - months[self.kind])
        return date(self.start_year if self.kind == "span" else self.year, 1, 1)

    @property
    def last_day(self) -> date:
        if self.as_of_date:
            return self.as_of_date
        return date(self.end_year if self.kind == "span" else self.year, 12, 31)

    def value(self) -> dict[str, str]:
        cells = (self.kind, self.year, self.start_year, self.end_year, self.as_of_date)
        return {column: "" if cell is None else str(cell) for column, cell in zip(_COLUMNS, cells, strict=True)}


def _year_period(year: int) -> Period:
    return Period("year", year=year)


def _span(start: int, end: int) -> Period | None:
    return Period("span", start_year=start, end_year=end) if start < end else None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _half(year: int, half: int) -> Period:
    return Period("half", year=year, as_of_date=_month_end(year, 6 * half))


def _quarter(year: int, quarter: int) -> Period:
    return Period("quarter", year=year, as_of_date=_month_end(year, 3 * quarter))


def _as_of(day: date) -> Period:
    return Period("as_of", year=day.year, as_of_date=day)


_Y = r"(?<![\d.,])((?:19|20)\d\d)(?![\d.,]?\d)"
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": 4}
_ORDINAL = r"(first|1st|second|2nd|third|3rd|fourth|4th|last)"
_COUNTS = {
    word: number
    for number, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen".split()
    )
}
_COUNT = r"(\d{1,2}|" + "|".join(_COUNTS) + ")"


def _count(word: str) -> int:
    return int(word) if word.isdigit() else _COUNTS[word]


def _years_back(count: str, unit: str) -> int:
    """How many years "the decade", "the past five years", "two decades" reach back; none for "the years"."""
    if unit.startswith("decade"):
        return 10 * _count(count or "one")
    return _count(count) if count else 0


def _ordinal_part(kind: str, ordinal: str, year: str) -> Period | None:
    """The first/second half or first to fourth quarter of a year; "last" is the year's last one."""
    parts = 2 if kind == "half" else 4
    number = parts if ordinal == "last" else _ORDINALS[ordinal]
    if number > parts:
        return None
    return (_half if kind == "half" else _quarter)(int(year), number)


def _end_of_part(g: tuple[str, ...]) -> Period | None:
    part = _ordinal_part(g[1], g[0], g[2])
    return part and _as_of(part.last_day)


def _day(year: str, month: str, day: str) -> Period | None:
    try:
        return _as_of(date(int(year), _MONTHS.get(month) or int(month), int(day)))
    except ValueError:  # "as of 31 June": no such day, so no date
        return None


_AS_OF = r"\b(?:as (?:of|at)|(?:at|by|to|until) (?:the )?end(?: of|-)|end(?: of|-)) ?(?:the )?"
# Each reading: a pattern, and how its groups (as printed, lowercased) make a Period. Ordered most specific first:
# a place in the text one reading took is not read again by a later one ("the end of June 2010" is one date, not
# a year).
_ABSOLUTE_READINGS: list[tuple[str, Callable[[tuple[str, ...]], Period | None]]] = [
    # a date a stock is counted at: "as of 30 June 2010", "at the end of 2009", "by the end of June 2010"
    (rf"{_AS_OF}{_ORDINAL} (half|quarter)(?: of)? {_Y}", _end_of_part),
    (rf"\b(?:as (?:of|at)|on) (\d{{1,2}}) {_MONTH},? {_Y}", lambda g: _day(g[2], g[1], g[0])),
    (rf"\b(?:as (?:of|at)|on) {_MONTH} (\d{{1,2}}),? {_Y}", lambda g: _day(g[2], g[0], g[1])),
    (rf"\bas (?:of|at) {_Y}-(\d\d)-(\d\d)\b", lambda g: _day(g[0], g[1], g[2])),
    (rf"{_AS_OF}{_MONTH},? {_Y}", lambda g: _as_of(_month_end(int(g[1]), _MONTHS[g[0]]))),
    (rf"(?:{_AS_OF}|\b(?:at )?year-end )(?:of )?{_Y}", lambda g: _as_of(date(int(g[0]), 12, 31))),
    # half-years and quarters: "in the first half of 2019", "H1 2019", "Q3 2018", "the third quarter of 2018"
    (rf"\b{_ORDINAL} (half|quarter)(?: of)?(?: the year)? {_Y}", lambda g: _ordinal_part(g[1], g[0], g[2])),
    (rf"\bfirst six months of {_Y}", lambda g: _half(int(g[0]), 1)),
    (rf"\b(?:h([12])|([12])h),? ?{_Y}", lambda g: _half(int(g[2]), int(g[0] or g[1]))),
    (rf"{_Y} ?h([12])\b", lambda g: _half(int(g[0]), int(g[1]))),
    (rf"\b(?:q([1-4])|([1-4])q)(?: of)?,? ?{_Y}", lambda g: _quarter(int(g[2]), int(g[0] or g[1]))),
    (rf"{_Y} ?q([1-4])\b", lambda g: _quarter(int(g[0]), int(g[1]))),
    # spans of years: "from 1998 to 2007", "between 2001 and 2005", "2011-2018", "the 1990s"
    (rf"\bfrom {_Y} (?:to|through|till|until|and) {_Y}", lambda g: _span(int(g[0]), int(g[1]))),
    (rf"\bbetween {_Y} and {_Y}", lambda g: _span(int(g[0]), int(g[1]))),
    (rf"{_Y} ?(?:-|–|—|to|through) ?{_Y}", lambda g: _span(int(g[0]), int(g[1]))),
    (r"(?<![\d.,])((?:19|20)\d0)s\b", lambda g: _span(int(g[0]), int(g[0]) + 9)),
    # a year: "in 2010", "2010's"
    (_Y, lambda g: _year_period(int(g[0]))),
]
_ABSOLUTE = [(re.compile(pattern, re.IGNORECASE), read) for pattern, read in _ABSOLUTE_READINGS]
# every absolute reading prints a year
_A_YEAR = re.compile(r"(?:19|20)\d\d")
_MONTH_WORDS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# what each absolute reading prints whatever else it does (in lower case; None: nothing but the year), so that a
# text is scanned by the few readings it may hold: a paragraph is scanned by every reading, each case-insensitive
_ABSOLUTE_WORDS: list[tuple[str, ...] | None] = [
    ("half", "quarter"),
    _MONTH_WORDS,
    _MONTH_WORDS,
    ("as of", "as at"),
    _MONTH_WORDS,
    ("as of", "as at", "end"),
    ("half", "quarter"),
    ("first six months",),
    ("h1", "h2", "1h", "2h"),
    ("h1", "h2"),
    ("q1", "q2", "q3", "q4", "1q", "2q", "3q", "4q"),
    ("q1", "q2", "q3", "q4"),
    ("from 19", "from 20"),
    ("between 19", "between 20"),
    ("-", "–", "—", "to", "through"),
    ("0s",),
    None,
]

# Relative dates, each with what it is relative to: the document's date ("last year": its year less one), the
# year the text names nearest it ("over the decade" to 2010: 2000-2010), or the last year or span the paragraph
# named before it ("then", "in those years").
_RELATIVE_READINGS: list[tuple[str, str, Callable[[tuple[str, ...]], int]]] = [
    (r"\blast year\b", "document", lambda g: -1),
    (r"\bthis year\b", "document", lambda g: 0),
    (r"\bnext year\b", "document", lambda g: 1),
    (r"\b(?:now|currently|at present|presently|to date|so far)\b", "now", lambda g: 0),
    (
        r"\b(?:by then|back then|at that time|in that year|that year|the same year|(?<!and )(?<!since )then)\b(?!-)",
        "named_year",
        lambda g: 0,
    ),
    (r"\b(?:in|over|during|throughout|across) (?:those|these) years\b", "named_span", lambda g: 0),
    (
        rf"\b(?:in|over|during|for|throughout|across) the (?:(?:past|last|previous|preceding|recent) )?"
        rf"(?:{_COUNT} )?(decades?|years)\b",
        "years_back",
        lambda g: _years_back(*g),
    ),
    (rf"\b{_ORDINAL} (half|quarter) of the year\b", "part_of_year", lambda g: 0),
]
_RELATIVE = [(re.compile(p, re.IGNORECASE), anchor, read) for p, anchor, read in _RELATIVE_READINGS]
_RELATIVE_WORDS: list[tuple[str, ...]] = [
    ("last year",),
    ("this year",),
    ("next year",),
    ("now", "current", "present", "to date", "so far"),
    ("then", "at that time", "that year", "the same year"),
    ("those years", "these years"),
    ("decade", "years"),
    ("half", "quarter"),
]
# a year printed as the base a quantity is compared with
_BASE = re.compile(
    r"\b(?:from|over|than|since|compared (?:with|to)|relative to|versus|vs\.?)(?: (?:that of|the level of|in))? *$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Mention:
    """A period printed in a text: where, as printed, and what it reads as (or, for a relative date, its kind
    and offset, resolved later against the other periods and the document's date)."""

    start: int
    end: int
    printed: str
    period: Period | None = None
    anchor: str | None = None  # document, now, named_year, named_span, years_back, part_of_year
    offset: int = 0
    groups: tuple[str, ...] = ()
    base: bool = False


@lru_cache(maxsize=1 << 12)  # a sentence's literals, a paragraph's sentences and a section share their text
def read_periods(text: str) -> tuple[Mention, ...]:
    """Every period printed in `text`, in reading order."""
    taken: list[range] = []
    found: list[Mention] = []

    def free(match: re.Match) -> bool:
        return not any(match.start() < span.stop and span.start < match.end() for span in taken)

    # an ASCII text holds a reading's words in lower case only where the reading, case-insensitive, may match
    lowered = text.lower() if text.isascii() else None

    def may_hold(words: tuple[str, ...] | None) -> bool:
        return words is None or lowered is None or any(word in lowered for word in words)

    dated = _A_YEAR.search(text) is not None
    for (pattern, read), words in zip(_ABSOLUTE, _ABSOLUTE_WORDS, strict=True):
        if not (dated and may_hold(words)):
            continue
        for match in pattern.finditer(text):
            groups = tuple(g.lower() if g else "" for g in match.groups())
            if free(match) and (period := read(groups)):
                taken.append(range(match.start(), match.end()))
                base = bool(period.kind == "year" and _BASE.search(text, 0, match.start()))
                found.append(Mention(match.start(), match.end(), match.group(0), period, base=base))
    for (pattern, anchor, read), words in zip(_RELATIVE, _RELATIVE_WORDS, strict=True):
        if not may_hold(words):
            continue
        for match in pattern.finditer(text):
            groups = tuple(g.lower() if g else "" for g in match.groups())
            if free(match) and (anchor != "years_back" or read(groups)):
                taken.append(range(match.start(), match.end()))
                found.append(Mention(match.start(), match.end(), match.group(0), None, anchor, read(groups), groups))
    return tuple(sorted(found, key=lambda m: m.start))


@lru_cache(maxsize=1 << 12)
def _sentence_bounds(paragraph: str) -> frozenset[int]:
    return frozenset((0, len(paragraph), *sentence_ends(paragraph)))


@lru_cache(maxsize=1 << 12)
def _read_between(paragraph: str, start: int, end: int) -> tuple[Mention, ...]:
    """read_periods(paragraph[start:end]) where its sentences start and end: no period reading spans a sentence's
    end (none prints a stop before a capital), nor looks past it, so the paragraph is read once and not once more
    per sentence and per sentence's prefix (a literal's earlier text). Else the slice is read on its own."""
    if start not in _sentence_bounds(paragraph) or end not in _sentence_bounds(paragraph):
        return read_periods(paragraph[start:end])
    return tuple(
        replace(m, start=m.start - start, end=m.end - start)
        for m in read_periods(paragraph)
        if start <= m.start and m.end <= end
    )


@dataclass(frozen=True)
class _Candidate:
    period: Period
    confidence: float
    distance: int
    via: str


_SCOPES = (SENTENCE, EARLIER, HEADING)


def _scope(level: float) -> float:
    """Where a period was printed, beside the literal or not: its sentence, the paragraph before, the heading."""
    return SENTENCE if level == NEAR else level


def _where(level: float) -> str:
    return {
        NEAR: "in the sentence, next to the literal",
        SENTENCE: "in the sentence",
        EARLIER: "earlier in the paragraph",
        HEADING: "in the section heading",
    }[level]


def _document_date(context: Context) -> tuple[date | None, str]:
    """The document's date as a day (its 31 December when only the year is known) and as printed in a `via`."""
    if context.published:
        return context.published, context.published.isoformat()
    if context.year:
        return date(context.year, 12, 31), str(context.year)
    return None, ""


class _Reader:
    """The periods around one literal, each with where it was printed, read once."""

    def __init__(self, context: Context):
        self.context = context
        self.today, self.date_text = _document_date(context)
        self.places: list[tuple[float, int, Mention]] = []  # (level, distance from the literal, mention)
        literal = range(context.position, context.position + len(context.literal))
        place = context.place
        if place.table_row is not None or place.table_column is not None:
            # a table cell's own column and row labels date it; the caption (the rest of `sentence`) less so
            labels = [label for label in (place.table_column, place.table_row) if label]
            for order, label in enumerate(labels):
                self.places += [(NEAR, order, m) for m in read_periods(label)]
            self.places += [(SENTENCE, m.start, m) for m in read_periods(context.sentence)]
        else:
            for m in self._read(context.sentence, len(context.earlier)):
                if m.start < literal.stop and literal.start < m.end:
                    continue  # the literal's own number is no period
                gap = max(literal.start - m.end, m.start - literal.stop, 0)
                level = NEAR if gap <= _BESIDE else SENTENCE
                self.places.append((level, gap, m))
        # the year stated last before the sentence carries into it: nearest the sentence first
        earlier = context.earlier
        self.places += [(EARLIER, len(earlier) - m.end, m) for m in self._read(earlier, 0)]
        self.places += [(HEADING, m.start, m) for m in read_periods(place.section or "")]

    def _read(self, text: str, start: int) -> tuple[Mention, ...]:
        """The periods printed in `text`, a part of the paragraph from `start` (its sentence, or the paragraph
        before it)."""
        paragraph = self.context.paragraph
        if paragraph.startswith(text, start):
            return _read_between(paragraph, start, start + len(text))
        return read_periods(text)

    def _in_scope(self, place: tuple[float, int, Mention]) -> Iterator[tuple[float, list[Mention]]]:
        """The periods printed (not relative, not a comparison's base) where the mention is, then in each place
        after it in the order evidence goes: the sentence, earlier in the paragraph, the heading."""
        scope = _SCOPES.index(_scope(place[0]))
        for where in _SCOPES[scope:]:
            yield where, [m for lvl, _, m in self.places if _scope(lvl) == where and m.period and not m.base]

    def _named(self, place: tuple[float, int, Mention], kind: str) -> tuple[Period, float] | None:
        """The last period of `kind` named before the mention: in its own sentence, else the paragraph, else the
        heading."""
        mention = place[2]
        for where, found in self._in_scope(place):
            if where == _scope(place[0]):
                found = [m for m in found if m.end <= mention.start]
            if found := [m for m in found if m.period.kind == kind]:
                return max(found, key=lambda m: m.start).period, where
        return None

    def _nearest_year(self, place: tuple[float, int, Mention]) -> tuple[int, float] | None:
        """The year printed nearest the mention (a span's or date's year), else the document's."""
        mention = place[2]
        for where, found in self._in_scope(place):
            if found:
                if where == _scope(place[0]):
                    nearest = min(found, key=lambda m: abs(m.start - mention.start))
                else:
                    nearest = max(found, key=lambda m: m.start)
                return nearest.period.last_day.year, where
        return (self.today.year, DOCUMENT) if self.today else None

    def _resolve(self, place: tuple[float, int, Mention]) -> tuple[Period, float, str] | None:
        """A relative date as a period, with the level of what it was resolved against and how."""
        mention, g = place[2], place[2].groups
        if mention.anchor in ("document", "now"):
            if not self.today:
                return None
            if mention.anchor == "now":
                period = _as_of(self.today) if self.context.published else _year_period(self.today.year)
            else:
                period = _year_period(self.today.year + mention.offset)
            return period, DOCUMENT, f"the document's date {self.date_text}"
        if mention.anchor in ("named_year", "named_span"):
            kind = "year" if mention.anchor == "named_year" else "span"
            found = self._named(place, kind)
            if not found:
                return None
            return found[0], found[1], f"the {kind} named {_where(found[1])}"
        found = self._nearest_year(place)  # the years back from it, or a half or quarter of it
        if not found:
            return None
        year, level = found
        if mention.anchor == "years_back":
            period = _span(year - mention.offset, year)
        else:
            period = _ordinal_part(g[1], g[0], str(year))
        how = f"the document's date {self.date_text}" if level == DOCUMENT else f"{year} ({_where(level)})"
        return (period, level, how) if period else None

    def candidates(self) -> Iterator[_Candidate]:
        for place in self.places:
            level, distance, mention = place
            confidence = level - (_BASE_PENALTY if mention.base else 0)
            via = f"'{mention.printed}' {_where(level)}" + (", the base of a comparison" if mention.base else "")
            period = mention.period
            if period is None:
                resolved = self._resolve(place)
                if resolved is None:
                    continue
                period, against, how = resolved
                confidence -= _RESOLVED.get(against, 0)
                via += f", read against {how}"
            yield _Candidate(period, confidence, distance, via)


def _target(period: Period, context: Context) -> str | None:
    """Why the period is a target or forecast: it starts after the document's date, or it ends in a later year
    than the document's (what the ingest accepts only as obs_status F)."""
    today, printed = _document_date(context)
    if today and (period.first_day > today or period.last_day.year > today.year):
        return f"target: after the document's date {printed}"
    return None


def _value(candidate: _Candidate, context: Context) -> tuple[dict[str, str], str]:
    value, via = candidate.period.value(), candidate.via
    if target := _target(candidate.period, context):
        value["obs_status"] = "F"
        via = f"{via}; {target}"
    return value, via


def suggest_period(context: Context) -> Suggestion:
    """The figure's period columns (period_kind, year, start_year, end_year, as_of_date; obs_status F for a
    target), from the nearest evidence, with the next candidate periods as alternatives."""
    ranked: list[_Candidate] = []
    for candidate in sorted(_Reader(context).candidates(), key=lambda c: (-c.confidence, c.distance)):
        if all(candidate.period != other.period for other in ranked):
            ranked.append(candidate)
    if not ranked:
        unspecified = {column: "" for column in _COLUMNS} | {"period_kind": "unspecified"}
        today, printed = _document_date(context)
        alternatives = ((_year_period(today.year).value(), NOTHING / 2),) if today else ()
        return Suggestion(unspecified, NOTHING, alternatives, "no period printed in the sentence, paragraph or heading")
    best, *others = ranked
    value, via = _value(best, context)
    alternatives = tuple((_value(other, context)[0], round(other.confidence, 3)) for other in others[:2])
    return Suggestion(value, round(best.confidence, 3), alternatives, via)
