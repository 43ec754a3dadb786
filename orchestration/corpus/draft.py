"""Draft figures from a document's text: every printed quantity as the literal it was printed as, read by the
project's literal parser, at its place, with an entity, indicator and period suggested from the catalogues.

A draft is a starting point for a person, not a reading the warehouse trusts: the suggestions are guesses by
names and word overlap within the sentence, and every row stays a draft until someone reviews it. Numbers that
are structure or periods (headings, captions, column and row labels, section numbers, citations, years) are not
drafted: they are what locates and dates the figures.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TextIO

from ..ingest.literals import LiteralParseError, Quantity, parse_literal
from ..ingest.source_files import CURRENT_YEAR, FIRST_YEAR
from .literal_spans import YEAR, literal_span, skipped_reason, unit_label
from .text import (
    Place,
    decode_text,
    printed_numbers,
    read_lines,
)

# the words a literal may carry before its number (the parser's comparators and currency prefixes, as printed)
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z\"“(]|\s*$)")
_WORD = re.compile(r"[a-z]+")
# lines of text between two reports of a draft's progress
PROGRESS_EVERY = 10_000
# a text prints the same literals again and again (its years, "10%"): each is read once
_parse = lru_cache(maxsize=1 << 16)(parse_literal)
_STOPWORDS = frozenset(
    "the of and in a an to for by with on at as is was were its from that this which it be are "
    "has have or than their city firm".split()
)


class Progress:
    """Tells a person how far a long draft has got, on stderr: each stage it starts, and while drafting, every
    `every` lines of the text. Silent for a text shorter than that, whose draft is done before anyone wonders."""

    def __init__(self, name: str, lines: int, every: int = PROGRESS_EVERY, stream: TextIO | None = None):
        self.name, self.lines, self.every = name, lines, every
        self.stream = stream or sys.stderr
        self.next = every

    def stage(self, what: str) -> None:
        if self.lines >= self.every:
            print(f"{self.name}: {what}", file=self.stream, flush=True)

    def line(self, number: int) -> None:
        if number >= self.next:
            self.stage(f"drafting, line {number:,} of {self.lines:,} ({100 * number // self.lines}%)")
            self.next = (number // self.every + 1) * self.every


@dataclass(frozen=True)
class Indicator:
    code: str
    unit_kind: str
    unit: str
    name_words: frozenset[str]
    words: frozenset[str]  # name and definition
    entity_types: frozenset[str]  # of the figures recorded with it so far (a firm's sales, a city's exports)


@dataclass(frozen=True)
class Catalogues:
    """The names and indicators a draft suggests from; the patterns over the names are compiled once, as a
    draft looks for every name around each number of the text."""

    names: tuple[tuple[str, str, str], ...]  # (name as printed, entity_type, entity_id), longest first
    indicators: tuple[Indicator, ...]

    @cached_property
    def rank(self) -> dict[str, int]:
        """Each name as printed, and where it first comes in `names`."""
        order: dict[str, int] = {}
        for rank, (name, *_) in enumerate(self.names):
            order.setdefault(name, rank)
        return order

    @cached_property
    def name_starts(self) -> re.Pattern:
        """Matches where a name starts, capturing the first of `names` printed there (the longest)."""
        if not self.rank:
            return re.compile(r"(?!)")
        alternatives = "|".join(map(re.escape, self.rank))
        return re.compile(rf"(?<!\w)(?=({alternatives})(?!\w))")

    @cached_property
    def by_name_word(self) -> dict[str, list[int]]:
        """The indicators (their places in `indicators`) whose name has each word."""
        found: dict[str, list[int]] = {}
        for index, indicator in enumerate(self.indicators):
            for word in indicator.name_words:
                found.setdefault(word, []).append(index)
        return found

    @cached_property
    def removals(self) -> dict[tuple[str, str], list[re.Pattern]]:
        """Each entity's names, longest first."""
        found: dict[tuple[str, str], list[re.Pattern]] = {}
        for name, entity_type, entity_id in self.names:
            found.setdefault((entity_type, entity_id), []).append(re.compile(re.escape(name)))
        return found


@dataclass(frozen=True)
class Draft:
    line: int  # of the text file
    place: Place
    stated_text: str
    unit_as_printed: str | None
    quantity: Quantity
    entity: tuple[str, str] | None  # (entity_type, entity_id)
    indicator: Indicator | None
    measure: str
    year: int | None

    @property
    def unit(self) -> str | None:
        """The base unit: the literal's, or for a count the suggested indicator's (persons, firms, ...)."""
        if self.quantity.unit or self.indicator is None:
            return self.quantity.unit
        return self.indicator.unit if self.indicator.unit_kind == "count" else None


def _words(text: str) -> frozenset[str]:
    return frozenset(
        w[:-1] if len(w) > 3 and w.endswith("s") else w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS
    )


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(decode_text(path.read_bytes(), path), newline="")))


def load_catalogues(sources_dir: Path) -> Catalogues:
    names = set()
    for row in _rows(sources_dir / "geography.csv"):
        names.add((row["name"], "geography", row["geo_id"]))
        # "Liaoning Province" is printed as "Liaoning" as often as not
        if row["name"].endswith(" Province"):
            names.add((row["name"].removesuffix(" Province"), "geography", row["geo_id"]))
    for row in _rows(sources_dir / "firms.csv"):
        names |= {(name, "firm", row["firm_id"]) for name in (row["canonical_name"], row["short_name"]) if name}
    names |= {(row["alias"], "firm", row["firm_id"]) for row in _rows(sources_dir / "firm_aliases.csv")}
    used: dict[str, set[str]] = {}
    for path in sorted((sources_dir / "figures").glob("*.csv")):
        for row in _rows(path):
            used.setdefault(row["indicator_code"], set()).add(row["entity_type"])
    indicators = tuple(
        Indicator(
            r["indicator_code"],
            r["unit_kind"],
            r["unit"],
            _words(r["indicator_name"]),
            _words(f"{r['indicator_name']} {r['definition']}"),
            frozenset(used.get(r["indicator_code"], ())),
        )
        for r in _rows(sources_dir / "indicators.csv")
    )
    # a name both a place and a firm has ("Dalian Software Park", the park and its operator) suggests the place
    return Catalogues(tuple(sorted(names, key=lambda n: (-len(n[0]), n[1] != "geography", n))), indicators)


def _sentence(text: str, ends: list[int], position: int) -> tuple[str, int]:
    """The sentence of `text` holding `position`, and the position within it; `ends` are where the text's
    sentences end (_sentence_ends), found once per line."""
    index = bisect_right(ends, position)
    start = ends[index - 1] if index else 0
    return text[start : ends[index] if index < len(ends) else None], position - start


def _sentence_ends(text: str) -> list[int]:
    return [match.end() for match in _SENTENCE_END.finditer(text)]


def _nearest(found: list[tuple[int, object]], position: int):
    return min(found, key=lambda f: abs(f[0] - position))[1] if found else None


def _entity(catalogues: Catalogues, context: str, position: int) -> tuple[str, str] | None:
    """The catalogue name nearest the literal; a longer name wins over one inside it ("Dalian Software Park")."""
    # a shorter name starting where a longer one does is inside it: the longest printed at each place is enough
    starts = [(catalogues.rank[m.group(1)], m.start(), m.group(1)) for m in catalogues.name_starts.finditer(context)]
    taken: list[range] = []
    found = []
    for rank, start, name in sorted(starts):
        if not any(start in span for span in taken):
            taken.append(range(start, start + len(name)))
            found.append((start, catalogues.names[rank][1:]))
    return _nearest(found, position)


# a percent, multiple or rank of a quantity is that quantity's indicator with a measure (sources/measures.csv);
# the sentence's words say which: "grew 20%" is growth, "accounted for 20%" a share
_GROWTH_WORDS = re.compile(r"\b(?:grew|grow|growth|increased?|rose|rise|up|down|decreased?|fell)\b", re.IGNORECASE)
_MEASURE_OF_UNIT = {"times": "multiple", "rank": "rank"}


def _measure(context: str, quantity: Quantity) -> str:
    if quantity.unit == "percent":
        return "growth_pct" if _GROWTH_WORDS.search(context) else "share_pct"
    return _MEASURE_OF_UNIT.get(quantity.unit, "level")


def _fits(indicator: Indicator, quantity: Quantity, measure: str) -> bool:
    """Whether the indicator with `measure` measures what the literal reads as: a suggestion never contradicts
    the literal."""
    if quantity.currency:
        return indicator.unit_kind == "currency" and measure == "level"
    if measure != "level":
        return indicator.unit_kind not in ("percent", "growth", "ratio", "rank")
    kinds = {"km2": ("area",)}
    return indicator.unit_kind in kinds.get(quantity.unit, ("count",))


def _indicator(
    catalogues: Catalogues, context: str, quantity: Quantity, entity: tuple[str, str] | None
) -> tuple[Indicator | None, str]:
    """The (indicator, measure) sharing most words with the sentence, an indicator's name's words counting
    double, the shorter name first when tied; a percent-, ratio- or rank-valued indicator of its own (an export
    ratio) is read as a level. No indicator unless at least one word of its name is there, none recorded only for
    another kind of entity, and the entity's own name is not a word about the indicator ("Dalian Software Park"
    says nothing of software)."""
    if entity:
        for name in catalogues.removals[entity]:
            context = name.sub(" ", context)
    words = _words(context)
    measured = _measure(context, quantity)
    own = {"percent": ("percent", "growth"), "times": ("ratio",), "rank": ("rank",)}.get(quantity.unit, ())
    named = sorted({index for word in words for index in catalogues.by_name_word.get(word, ())})
    scored = [
        (2 * len(i.name_words & words) + len(i.words & words), i.unit_kind not in own, -len(i.name_words), i)
        for i in map(catalogues.indicators.__getitem__, named)
        if not (entity and i.entity_types and entity[0] not in i.entity_types)
        and (i.unit_kind in own or _fits(i, quantity, measured))
    ]
    if not scored:
        return None, measured
    best = max(scored, key=lambda s: s[:3])[3]
    return best, "level" if best.unit_kind in own else measured


def _year(context: str, position: int, latest: int) -> int | None:
    years = [(m.start(), int(m.group(0))) for m in YEAR.finditer(context) if FIRST_YEAR <= int(m.group(0)) <= latest]
    return _nearest(years, position)


def draft_figures(
    text: str,
    catalogues: Catalogues,
    known_sections=(),
    latest_year: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Draft], dict[tuple[int, int], tuple[str, str]]]:
    """Every quantity printed in `text`, in reading order, with its suggestions; and for each number left out,
    keyed by (line, column), what is printed and why it is not a figure. A year after `latest_year` (the
    document's publication) is a target, never a figure's period. `progress` is told each line the draft
    reaches that prints a number."""
    latest = latest_year or CURRENT_YEAR
    lines = read_lines(text, known_sections)
    by_number = {line.number: line for line in lines}
    captions = {line.place.section: line.text.strip() for line in lines if line.kind == "caption"}
    drafts: list[Draft] = []
    skipped: dict[tuple[int, int], tuple[str, str]] = {}
    consumed_to: dict[int, int] = {}  # a range's second number is part of the first's literal
    ends: tuple[int, list[int]] = (0, [])  # the current line's sentence ends
    for number in printed_numbers(lines):
        line = by_number[number.line]
        if ends[0] != line.number:
            ends = (line.number, _sentence_ends(line.text))
            if progress:
                progress(line.number)
        start = number.column - 1
        end = start + len(number.literal)
        if start < consumed_to.get(line.number, 0):
            continue
        if reason := skipped_reason(line, number, start, consumed_to.get(line.number, 0)):
            skipped[number.line, number.column] = reason
            continue
        year_like = bool(YEAR.fullmatch(number.literal))
        lo, hi = literal_span(line.text, start, end, ranges=not year_like)
        stated = line.text[lo:hi].strip()
        place = number.place
        label = None
        if line.kind == "table_row":
            caption = captions.get(place.section)
            label = unit_label(caption, place.table_row)
            context = " ".join(filter(None, (caption, place.table_row, place.table_column)))
            position = 0
            year_context = place.table_column or place.table_row or ""
        else:
            context, position = _sentence(line.text, ends[1], lo)
            year_context = context
        try:
            quantity = _parse(stated, label or "")
        except LiteralParseError:
            stated = number.literal
            quantity = _parse(stated, label or "")
        if year_like and not (quantity.currency or quantity.unit or quantity.scale):
            # a year ("in 2010", "over 2009"): the period of the figures around it
            skipped[number.line, number.column] = (
                number.literal,
                "a year: the period of the figures printed beside it, or a date that is not a figure",
            )
            continue
        consumed_to[line.number] = hi
        entity = _entity(catalogues, context, position)
        drafts.append(
            Draft(
                line.number,
                place,
                stated,
                label,
                quantity,
                entity,
                *_indicator(catalogues, context, quantity, entity),
                _year(year_context, position, latest),
            )
        )
    return drafts, skipped
