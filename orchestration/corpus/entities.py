"""Which catalogued entity a printed quantity is about, and which names a text prints that the catalogues lack.

A figure's sentence names its entity often, but not always: "its exports", "the city", "the company" refer to
what the paragraph is about, and a sentence that names nothing is about what the document is about. So a
document is read once for its subjects (the entity its title names most, else its text; each paragraph's, from
its first sentence), and each quantity takes the nearest name in its sentence, else the subject a reference in it
points to, else the paragraph's or the document's subject, with a confidence that says which of these it was.

Names the catalogues do not have are proposed as new catalogue rows, for a person to accept: capitalised phrases
that look like a place or an organisation, what they are guessed from their head word ("… Park", "… Co., Ltd.",
"University of …").
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from .suggestion import Context, Suggestion
from .text import SENTENCE_END, TITLE_PAGE, TextLine, clean, decode_text, read_lines, sentence_ends

Entity = tuple[str, str]  # (entity_type, entity_id)

# where a sentence ends: a stop followed by the next sentence's capital, quote or bracket, or by the line's end
_WORD = re.compile(r"[a-z]+")
_WORD_CHAR = re.compile(r"\w")

# confidence by how the entity was found
NAMED = 0.9  # the only entity the sentence names
NAMED_AMONG_OTHERS = 0.8  # the nearest of several the sentence names
NAMED_FURTHER = 0.5  # another the sentence names
REFERENCE_IN_PARAGRAPH = 0.7  # "the city" → the paragraph's city
REFERENCE_IN_DOCUMENT = 0.5  # "the city" → the document's city, the paragraph naming none
PARAGRAPH_SUBJECT = 0.45
NAMED_IN_PARAGRAPH = 0.35
DOCUMENT_SUBJECT = 0.3

_GEOGRAPHY_LEVELS = frozenset({"zone", "park", "city", "province", "country", "region"})
# what a reference may point to: an entity's kind is "firm", or a geography row's level; None is any kind
_REFERENCES: dict[str, frozenset[str] | None] = {
    "its": None,
    "the city": frozenset({"city"}),
    "the park": frozenset({"park"}),
    "the zone": frozenset({"zone"}),
    "the province": frozenset({"province"}),
    "the country": frozenset({"country"}),
    "the company": frozenset({"firm"}),
    "the firm": frozenset({"firm"}),
    "the enterprise": frozenset({"firm"}),
    # an industry's or sector's figures are its place's (a city's software sales)
    "the industry": _GEOGRAPHY_LEVELS,
    "the sector": _GEOGRAPHY_LEVELS,
}
_REFERENCE = re.compile(
    r"\b(?:its|the (?:city|park|zone|province|country|company|firm|enterprise|industry|sector))\b"
    r"|\b(?:Chinese|Japanese) (?:enterprises|firms|companies)\b",
    re.IGNORECASE,
)
# "Chinese enterprises" are the country's, whatever the paragraph is about
_DEMONYMS = {"chinese": "China", "japanese": "Japan"}


class CatalogueError(ValueError):
    """A catalogue the index cannot be built from; the message names the file, the line and the reason."""


class Named(NamedTuple):
    start: int
    end: int
    entity: Entity


def _rows(path: Path, columns: tuple[str, ...]) -> Iterable[tuple[int, dict]]:
    """The rows of a catalogue with their line in the file, each of `columns` present."""
    reader = csv.DictReader(io.StringIO(decode_text(path.read_bytes(), path), newline=""))
    missing = [c for c in columns if c not in (reader.fieldnames or ())]
    if missing:
        raise CatalogueError(f"{path}:1: no column {', '.join(map(repr, missing))}")
    for row in reader:
        yield reader.line_num, row


def _words(text: str) -> frozenset[str]:
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in _WORD.findall(text.lower()))


class EntityIndex:
    """Every name the catalogues know an entity by (names, short names, aliases; "X Province" also as "X"), and
    one pattern over them all, compiled once: finding names is a single pass over a text, however many there
    are. A name that is both a place and a firm ("Dalian Software Park", the park and its operator) is the place.
    """

    def __init__(
        self,
        names: dict[str, Entity],
        levels: dict[str, str],
        indicator_words: Iterable[frozenset[str]] = (),
    ):
        self.names = names
        self.levels = levels  # geography id → level
        self.indicator_words = tuple(indicator_words)
        self.ids = {entity_id for _, entity_id in names.values()} | set(levels)
        # the alternatives longest first, so that where names start at one place the longest is found; a pattern
        # that opens with them is scanned for their first letters in C, a look-behind first would be tried at
        # every character (named_in checks what precedes instead)
        alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
        self._pattern = re.compile(rf"(?:{alternatives})(?!\w)" if names else r"(?!)")

    @classmethod
    def load(cls, sources_dir: Path) -> EntityIndex:
        names: dict[str, Entity] = {}
        levels: dict[str, str] = {}

        def add(path: Path, line: int, name: str, entity: Entity) -> None:
            if not name.strip():
                raise CatalogueError(f"{path}:{line}: {entity[0]} '{entity[1]}' has an empty name")
            names.setdefault(name, entity)

        geography = sources_dir / "geography.csv"
        for line, row in _rows(geography, ("geo_id", "name", "level")):
            levels[row["geo_id"]] = row["level"]
            add(geography, line, row["name"], ("geography", row["geo_id"]))
            # "Liaoning Province" is printed as "Liaoning" as often as not
            if row["name"].endswith(" Province"):
                add(geography, line, row["name"].removesuffix(" Province"), ("geography", row["geo_id"]))
        firms = sources_dir / "firms.csv"
        for line, row in _rows(firms, ("firm_id", "canonical_name", "short_name")):
            add(firms, line, row["canonical_name"], ("firm", row["firm_id"]))
            if row["short_name"]:
                add(firms, line, row["short_name"], ("firm", row["firm_id"]))
        aliases = sources_dir / "firm_aliases.csv"
        for line, row in _rows(aliases, ("firm_id", "alias")):
            add(aliases, line, row["alias"], ("firm", row["firm_id"]))
        indicators = sources_dir / "indicators.csv"
        words = [_words(row["indicator_name"]) for _, row in _rows(indicators, ("indicator_name",))]
        return cls(names, levels, words)

    def kind(self, entity: Entity) -> str:
        """The entity's kind: "firm", or a geography row's level (city, park, province, …)."""
        return self.levels.get(entity[1], "") if entity[0] == "geography" else entity[0]

    def named_in(self, text: str) -> list[Named]:
        """Every catalogued name printed in `text`, in order; a name inside a longer one printed there is the
        longer one's ("Dalian" in "Dalian Software Park")."""
        return [
            Named(m.start(), m.end(), self.names[m.group(0)])
            for m in self._pattern.finditer(text)
            if not (m.start() and _WORD_CHAR.match(text, m.start() - 1))
        ]


def _by_mentions(*groups: list[Entity]) -> tuple[Entity, ...]:
    """The entities of each group, the most named first (the first named first when as often), group after
    group; an entity already ranked by an earlier group is not ranked again."""
    ranked: dict[Entity, None] = {}
    for group in groups:
        counts = Counter(group)
        ranked.update(dict.fromkeys(sorted(counts, key=lambda e: -counts[e])))
    return tuple(ranked)


_TABLE_KINDS = frozenset({"caption", "table_header", "table_row"})


@dataclass(frozen=True)
class DocumentSubjects:
    """What a document is about, and each of its paragraphs: the entities each names, its subject first. A
    paragraph's subject is the entity its first sentence names (the most named there), else the most named in
    it; a table is one paragraph whose first sentence is its caption. The document's is the entity its title
    names most, else its text."""

    document: tuple[Entity, ...]
    paragraphs: dict[int, tuple[Entity, ...]]  # by line of the text file

    @classmethod
    def build(cls, index: EntityIndex, title: str, lines: list[TextLine]) -> DocumentSubjects:
        named = {line.number: index.named_in(line.text) for line in lines if line.kind != "blank"}
        groups: dict[str | int, list[TextLine]] = {}
        for line in lines:
            if line.kind in _TABLE_KINDS and line.place.section:
                groups.setdefault(line.place.section, []).append(line)
            elif line.kind in ("prose", "footnote"):
                groups[line.number] = [line]
        paragraphs: dict[int, tuple[Entity, ...]] = {}
        for group in groups.values():
            first_end = first.end() if (first := SENTENCE_END.search(group[0].text)) else len(group[0].text)
            opening = [n.entity for n in named[group[0].number] if n.end <= first_end]
            ranked = _by_mentions(opening, [n.entity for line in group for n in named[line.number]])
            paragraphs.update(dict.fromkeys((line.number for line in group), ranked))
        in_text = [n.entity for found in named.values() for n in found]
        return cls(_by_mentions([n.entity for n in index.named_in(title)], in_text), paragraphs)


def _distance(start: int, end: int, position: int) -> int:
    return position - end if end <= position else abs(start - position)


def _value(entity: Entity) -> dict[str, str]:
    return {"entity_type": entity[0], "entity_id": entity[1]}


def _first(entities: tuple[Entity, ...], fits: Callable[[Entity], bool]) -> Entity | None:
    return next((e for e in entities if fits(e)), None)


def suggest_entity(index: EntityIndex, subjects: DocumentSubjects, context: Context) -> Suggestion | None:
    """The entity a quantity is about: the name printed nearest it in its sentence; else what a reference in the
    sentence points to ("its", "the city", "the company": the paragraph's subject of that kind, else the
    document's); else the paragraph's subject; else the document's. The alternatives are the next candidates."""
    candidates: list[tuple[Entity, float, str]] = []
    named = sorted(index.named_in(context.sentence), key=lambda n: _distance(n.start, n.end, context.position))
    distinct = {n.entity for n in named}
    for rank, found in enumerate(named):
        confidence = NAMED_FURTHER if rank else NAMED if len(distinct) == 1 else NAMED_AMONG_OTHERS
        candidates.append((found.entity, confidence, "named in the sentence"))
    paragraph = subjects.paragraphs.get(context.line, ())
    references = sorted(
        _REFERENCE.finditer(context.sentence), key=lambda m: _distance(m.start(), m.end(), context.position)
    )
    for reference in references:
        printed = reference.group(0)
        if demonym := _DEMONYMS.get(printed.split()[0].lower()):
            if country := index.names.get(demonym):
                candidates.append((country, REFERENCE_IN_PARAGRAPH, f"'{printed}' → {country[1]}"))
            continue
        kinds = _REFERENCES[printed.lower()]
        fits = (lambda e: True) if kinds is None else (lambda e, kinds=kinds: index.kind(e) in kinds)
        if found := _first(paragraph, fits):
            candidates.append((found, REFERENCE_IN_PARAGRAPH, f"'{printed}' → paragraph subject"))
        if found := _first(subjects.document, fits):
            candidates.append((found, REFERENCE_IN_DOCUMENT, f"'{printed}' → document subject"))
    candidates += [
        (
            entity,
            NAMED_IN_PARAGRAPH if rank else PARAGRAPH_SUBJECT,
            "named in the paragraph" if rank else "paragraph subject",
        )
        for rank, entity in enumerate(paragraph)
    ]
    if subjects.document:
        candidates.append((subjects.document[0], DOCUMENT_SUBJECT, "document subject"))
    best: dict[Entity, tuple[float, str]] = {}
    for entity, confidence, via in candidates:
        if confidence > best.get(entity, (0.0, ""))[0]:
            best[entity] = (confidence, via)
    if not best:
        return None
    (entity, (confidence, via)), *others = sorted(best.items(), key=lambda item: -item[1][0])
    return Suggestion(_value(entity), confidence, tuple((_value(e), c) for e, (c, _) in others[:2]), via)


# --- names the catalogues do not have ---------------------------------------------------------------------------

_CAPITALISED = r"[A-Z][A-Za-z0-9&\-]*"
# a legal form ends a firm's name: "Co., Ltd.", "Co.", "Corp.", "Inc.", "Ltd" (never the "Co" of "Co-operation")
_LEGAL = r"Co\.,?[ ]*Ltd\b\.?|(?:Co|Corp|Inc)\.|Ltd\b\.?(?!-)"
# two capitalised words or more, joined by spaces or "of"/"for" ("Bank of Dalian"), a legal form after a comma
_PHRASE = re.compile(
    rf"(?<![\w&\-'’]){_CAPITALISED}(?:,?[ ]+(?:{_LEGAL})|(?:[ ]+(?:of|for|de)[ ]+|[ ]+){_CAPITALISED})+"
)
_TOKEN = re.compile(rf"(?P<legal>{_LEGAL})|[A-Za-z][A-Za-z0-9&\-]*")
_FIRST_WORD = re.compile(r"[^.,\s]+")
_PUNCTUATION = ",;:\"“'(."
_CONNECTORS = frozenset({"of", "for", "de"})
# the head word says what a name is (its last, or the last before "of": "University of …"): a place at a level,
# or an organisation of a kind
_LEVEL_OF_HEAD = {
    **dict.fromkeys(("city", "town", "prefecture", "municipality"), "city"),
    "province": "province",
    "region": "region",
    "park": "park",
    **dict.fromkeys(("zone", "district", "county", "area", "base"), "zone"),
}
_FIRM_KIND_OF_HEAD = {
    **dict.fromkeys(("co", "ltd", "inc", "corp", "corporation", "company", "limited", "holdings"), "company"),
    "group": "group",
    "bank": "bank",
    **dict.fromkeys(("university", "college", "academy", "school"), "university"),
    "institute": "research_institute",
    **dict.fromkeys(("ministry", "bureau", "commission", "council", "committee", "government"), "government_body"),
    **dict.fromkeys(("agency", "department", "administration"), "government_body"),
    **dict.fromkeys(("association", "federation", "chamber"), "association"),
}
_HEADS = _LEVEL_OF_HEAD.keys() | _FIRM_KIND_OF_HEAD.keys()
_NOT_IN_NAMES = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday "
    "usd rmb cny jpy hkd eur gdp gnp bpo ito kpo fdi ipo r&d sar".split()
)
# words a person's name follows ("President Sun Yinhuan", "founder Liu Jiren"): the name is no organisation's
_PERSON_TITLES = frozenset(
    "president vice-president chairman chairwoman ceo founder co-founder mr mrs ms dr prof professor director "
    "director-general mayor minister secretary premier governor".split()
)
# words that open sentences and headings in capitals without naming anything
_OPENERS = frozenset(
    "the a an in on at by for from with as this these that those its their our we it after before since during "
    "while when although however moreover furthermore meanwhile besides but and or so if to of there here such "
    "many most some all each both other according between among within across through under into near outside "
    "inside around over via unlike like despite because then thus hence therefore also only yet whereas where "
    "which what who how why".split()
)
_LEGAL_TAIL = re.compile(rf",?\s*(?:{_LEGAL}|Corporation|Limited)$")


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str  # lower case; a legal form's first word ("co")
    legal: bool


def _tokens(phrase: str) -> list[_Token]:
    return [
        _Token(m.start(), m.end(), _FIRST_WORD.match(m.group(0).lower()).group(0), m.group("legal") is not None)
        for m in _TOKEN.finditer(phrase)
    ]


def _trimmed(piece: list[_Token]) -> list[_Token]:
    while piece and (piece[0].word in _OPENERS or piece[0].word in _CONNECTORS):
        piece = piece[1:]
    while piece and piece[-1].word in _CONNECTORS:
        piece = piece[:-1]
    return piece


def _pieces(tokens: list[_Token], after_title: bool) -> list[list[_Token]]:
    """The runs of a capitalised phrase that may be names: split at months, weekdays and unit acronyms, after a
    legal form, and at an "of" that follows no head word ("Construction of Dalian Software Park" is no name);
    without a person's name after a title, and without the openers and connectors at their ends."""
    pieces: list[list[_Token]] = []
    piece: list[_Token] = []
    person = after_title
    for token in [*tokens, None]:
        breaks = (
            token is None
            or token.word in _NOT_IN_NAMES
            or token.word in _PERSON_TITLES
            or (token.word in _CONNECTORS and not (piece and piece[-1].word in _HEADS))
        )
        if not breaks:
            piece.append(token)
            if not token.legal:
                continue
        if (trimmed := _trimmed(piece)) and not person:
            pieces.append(trimmed)
        piece, person = [], token is not None and token.word in _PERSON_TITLES
    return pieces


def _proposed_id(name: str, firm: bool, taken: set[str]) -> str:
    if firm:
        name = _LEGAL_TAIL.sub("", name)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")
    proposed, n = base, 1
    while proposed in taken:
        n += 1
        proposed = f"{base}_{n}"
    taken.add(proposed)
    return proposed


@dataclass
class _Printed:
    words: list[str]  # without connectors
    head: str
    line: int
    sentence: str
    times: int = 1


def _row(name: str, printed: _Printed, taken: set[str]) -> dict:
    if printed.head in _LEVEL_OF_HEAD:
        entity_type, kind = "geography", {"level": _LEVEL_OF_HEAD[printed.head]}
    else:
        # a name without a telling head word is an organisation's more often than a place's: the reviewer decides
        entity_type, kind = "firm", {"firm_kind": _FIRM_KIND_OF_HEAD.get(printed.head, "")}
    return {
        "entity_type": entity_type,
        "proposed_id": _proposed_id(name, entity_type == "firm", taken),
        "name": name,
        **kind,
        "first_seen_line": printed.line,
        "sentence": printed.sentence,
    }


@lru_cache(maxsize=1 << 14)
def _names_in_phrase(phrase: str, after_title: bool) -> tuple[tuple[int, int, tuple[str, ...], str], ...]:
    """The names a capitalised phrase may hold: (start, end, words without connectors, head word) of each; a text
    prints the same phrases again and again, so each is read once."""
    names = []
    for piece in _pieces(_tokens(phrase), after_title):
        of = next((i for i, t in enumerate(piece) if t.word in _CONNECTORS), len(piece))
        words = tuple(t.word for t in piece if t.word not in _CONNECTORS)
        names.append((piece[0].start, piece[-1].end, words, piece[of - 1].word))
    return tuple(names)


def _printed_names(text: str, title: str) -> dict[str, _Printed]:
    """Every capitalised run of the text's prose, footnotes and table rows that may be a name, by name, in the
    order first printed."""
    found: dict[str, _Printed] = {}
    for line in read_lines(text):
        if line.kind not in ("prose", "footnote", "table_row"):
            continue
        # the title printed on the title page, and lines in capitals (a heading, a publisher), name nothing here
        if (line.place.section == TITLE_PAGE and clean(line.text) in title) or line.text.isupper():
            continue
        ends = sentence_ends(line.text)
        for match in _PHRASE.finditer(line.text):
            phrase = match.group(0)
            sentence = bisect_right(ends, match.start())
            sentence_start = ends[sentence - 1] if sentence else 0
            sentence_end = ends[sentence] if sentence < len(ends) else len(line.text)
            preceding = line.text[max(sentence_start, match.start() - 30) : match.start()].split()[-1:]
            after_title = bool(preceding) and preceding[0].strip(_PUNCTUATION).lower() in _PERSON_TITLES
            for start, end, words, head in _names_in_phrase(phrase, after_title):
                name = phrase[start:end]
                if name in found:
                    found[name].times += 1
                else:
                    sentence = line.text[sentence_start:sentence_end].strip()
                    found[name] = _Printed(list(words), head, line.number, sentence)
    return found


def proposed_entities(index: EntityIndex, text: str, title: str) -> list[dict]:
    """Names printed in `text` that no catalogue name matches and that look like a place or an organisation, in
    the order first printed, each as a proposed catalogue row: entity_type, proposed_id, name as printed, level
    (geography) or firm_kind (firm), first_seen_line and the sentence it was first seen in. A name is two
    capitalised words or more ("Harbin Tech Valley Park", "Ningbo Soft Co., Ltd.", "Bank of Dalian"); one whose
    head word says neither place nor organisation ("Liu Jiren", "White Paper") only when printed twice or more.
    Headings, the title, lines in capitals, names only an indicator's words make ("Service Outsourcing"), a
    person's name after a title, months, weekdays and units (USD, GDP) are not, nor the words that open a
    sentence in capitals ("The", "In")."""
    taken = set(index.ids)
    return [
        _row(name, printed, taken)
        for name, printed in _printed_names(text, title).items()
        if len(printed.words) >= 2
        and (printed.head in _HEADS or printed.times > 1)
        and not _is_known(index, name, printed.words)
    ]


def _is_known(index: EntityIndex, name: str, words: list[str]) -> bool:
    """Whether a name is the catalogues' (with or without a suffix: "Dalian City") or only an indicator's words."""
    named = index.named_in(name)
    rest = name
    for found in reversed(named):
        rest = rest[: found.start] + " " + rest[found.end :]
    left = [w for w in _WORD.findall(rest.lower()) if w not in _CONNECTORS]
    if named and all(w in _HEADS for w in left):
        return True
    plain = _words(" ".join(words))
    return any(plain <= indicator for indicator in index.indicator_words)
