"""Draft figures from a document's text: every printed quantity as the literal it was printed as, read by the
project's literal parser, at its place, with what it is about suggested (entity, indicator, measure, unit,
period: orchestration/corpus/suggesters.py), each with its confidence and alternatives.

A draft is a starting point for a person, not a reading the warehouse trusts: every row stays a draft until
someone reviews it. Numbers that
are structure or periods (headings, captions, column and row labels, section numbers, citations, years) are not
drafted: they are what locates and dates the figures.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TextIO

from ..ingest.literals import LiteralParseError, Quantity, parse_literal
from .literal_spans import YEAR, literal_span, skipped_reason, unit_label
from .suggestion import Context, Suggestion
from .text import Place, TextLine, printed_numbers, read_lines, sentence_at, sentence_ends

# lines of text between two reports of a draft's progress
PROGRESS_EVERY = 10_000
# a text prints the same literals again and again (its years, "10%"): each is read once
_parse = lru_cache(maxsize=1 << 16)(parse_literal)


class Progress:
    """Tells a person how far a long draft has got, on stderr: each stage it starts, every `every` lines of the
    text while drafting, and every `every` figures while suggesting. Silent for a text shorter than that, whose
    draft is done before anyone wonders."""

    def __init__(self, name: str, lines: int, every: int = PROGRESS_EVERY, stream: TextIO | None = None):
        self.name, self.lines, self.every = name, lines, every
        self.stream = stream or sys.stderr
        self.next = every
        self.next_figure = every

    def stage(self, what: str) -> None:
        if self.lines >= self.every:
            print(f"{self.name}: {what}", file=self.stream, flush=True)

    def line(self, number: int) -> None:
        if number >= self.next:
            self.stage(f"drafting, line {number:,} of {self.lines:,} ({100 * number // self.lines}%)")
            self.next = (number // self.every + 1) * self.every

    def suggested(self, done: int, total: int) -> None:
        if done == 0:
            self.stage(f"suggesting what each of {total:,} figures is")
        elif done >= self.next_figure:
            self.stage(f"suggesting, {done:,} of {total:,} figures done ({100 * done // total}%)")
            self.next_figure = (done // self.every + 1) * self.every


@dataclass(frozen=True)
class Document:
    """What a draft knows of the document besides its text (documents.csv, or the draft's arguments)."""

    title: str
    kind: str
    published: date | None
    year: int | None


# the figure columns a draft fills from each suggestion, in the order the review sheet shows them
SUGGESTED = ("entity", "indicator", "measure", "unit", "period")


@dataclass(frozen=True)
class Draft:
    context: Context
    suggestions: dict[str, Suggestion]  # by SUGGESTED

    @property
    def line(self) -> int:
        return self.context.line

    @property
    def place(self) -> Place:
        return self.context.place

    @property
    def stated_text(self) -> str:
        return self.context.literal

    @property
    def quantity(self) -> Quantity:
        return self.context.quantity

    @property
    def unit_as_printed(self) -> str | None:
        return self.context.unit_as_printed

    def suggested(self) -> dict[str, str]:
        """The figure columns the suggestions fill, each suggestion's best value."""
        columns: dict[str, str] = {}
        for name in SUGGESTED:
            if name in self.suggestions:
                columns.update(self.suggestions[name].value)
        return columns


def draft_figures(
    text: str,
    suggest: Callable[[list[TextLine], list[Context]], list[dict[str, Suggestion]]],
    document: Document,
    known_sections=(),
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Draft], dict[tuple[int, int], tuple[str, str]]]:
    """Every quantity printed in `text`, in reading order, with its suggestions; and for each number left out,
    keyed by (line, column), what is printed and why it is not a figure. `suggest` is given the text's lines (to
    find what each paragraph is about) and every quantity at once (a model predicts for all of them in one go).
    `progress` is told each line the draft reaches that prints a number."""
    lines = read_lines(text, known_sections)
    contexts: list[Context] = []
    by_number = {line.number: line for line in lines}
    captions = {line.place.section: line.text.strip() for line in lines if line.kind == "caption"}
    skipped: dict[tuple[int, int], tuple[str, str]] = {}
    consumed_to: dict[int, int] = {}  # a range's second number is part of the first's literal
    ends: tuple[int, list[int]] = (0, [])  # the current line's sentence ends
    for number in printed_numbers(lines):
        line = by_number[number.line]
        if ends[0] != line.number:
            ends = (line.number, sentence_ends(line.text))
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
            sentence = " ".join(filter(None, (caption, place.table_row, place.table_column)))
            position, earlier = 0, ""
        else:
            sentence, position = sentence_at(line.text, ends[1], lo)
            earlier = line.text[: lo - position]
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
        contexts.append(
            Context(
                literal=stated,
                quantity=quantity,
                unit_as_printed=label,
                place=place,
                line=line.number,
                sentence=sentence,
                position=position,
                paragraph=line.text,
                earlier=earlier,
                title=document.title,
                kind=document.kind,
                published=document.published,
                year=document.year,
            )
        )
    return [Draft(c, s) for c, s in zip(contexts, suggest(lines, contexts), strict=True)], skipped
