"""What a draft knows about one printed quantity (its Context) and what it suggests for the figure's columns (a
Suggestion with its confidence and the next alternatives): the shape every suggester reads and returns, so that
entities, periods, the learned indicator model and the claims all speak one language to the review sheet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..ingest.literals import Quantity
from .text import Place


@dataclass(frozen=True)
class Context:
    """One printed quantity where it was printed. For a table cell, `sentence` is the caption, row label and
    column label joined, and `position` 0."""

    literal: str  # stated_text, exactly as printed
    quantity: Quantity  # the literal as the project's parser reads it
    unit_as_printed: str | None  # a table cell's unit label, from its row or caption
    place: Place
    line: int  # of the text file
    sentence: str
    position: int  # where the literal starts in `sentence`
    paragraph: str  # the whole line of text the literal is printed in
    earlier: str  # the paragraph's text before `sentence` (a year or a subject stated there carries on)
    title: str  # the document's title
    kind: str  # documents.csv kind (news_item, journal_article, ...)
    published: date | None  # the document's date, when known; `year` alone gives its 31 December
    year: int | None  # the document's publication year


@dataclass(frozen=True)
class Suggestion:
    """Columns of a figure row suggested together (`{"entity_type": "geography", "entity_id": "dalian"}`), how
    sure the suggester is (0 to 1), the next best values (at most two, best first) and how it was found."""

    value: dict[str, str]
    confidence: float
    alternatives: tuple[tuple[dict[str, str], float], ...] = field(default=())
    via: str = ""

    def as_json(self) -> dict:
        return {
            "value": self.value,
            "confidence": round(self.confidence, 3),
            "alternatives": [{"value": v, "confidence": round(c, 3)} for v, c in self.alternatives],
            "via": self.via,
        }
