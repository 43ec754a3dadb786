"""The learned suggester: a model trained, at each draft, on the corpus's reviewed figures in their sentences,
suggesting a drafted quantity's indicator, measure, unit and (as a fallback to the names) entity.

Word overlap with the catalogue's definitions finds an indicator only when a sentence repeats its name; the
reviewed figures show how documents actually word each indicator ("the realization of offshore service
outsourcing amounted to"), so a classifier over the sentence's words, the words nearest the literal, the literal's
unit, the section and the kind of document learns that wording. Each catalogue row also gives one example of its
own, its name and definition, so an indicator or measure added with no reviewed figure yet can still be suggested.
The classifier alone favours the corpus's big classes (a hundred figures of one paper's offshore outsourcing) over
the indicator a sentence names ("exports of the industry came to US$ 3.1 billion"), so a ranker learned from the
reviewed figures too weighs, for each indicator the literal may be, the classifier's probability against how much of
the indicator's name and definition the words around the literal repeat and how common the indicator is. The
measure is read first, from the classifiers together, and the ranker's best indicator among those it fits.
The model never contradicts the literal: classes the literal rules out (a count indicator for a sum of money, a
percent unit for a count) are dropped before ranking.

scikit-learn is imported by `train`, not with this module, so the command line starts as fast as before.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..ingest.literals import LiteralParseError, parse_literal
from .suggestion import Context, Suggestion
from .text import Place, TextLine, decode_text, read_lines, sentence_at, sentence_ends

# where a sentence ends, as the draft splits a paragraph: not at a decimal point or an abbreviation's dot
_WORDS = re.compile(r"[^\W\d_]+")
# words, not numbers, are features: a year or a value says nothing of what is counted
_TOKEN = r"(?u)\b[^\W\d_]{2,}\b"
# how many words either side of the literal say most about what it counts ("the realization of … amounted to")
WINDOW = 8
# how much each block of features weighs against the sentence's words, and the classifiers' regularisation:
# chosen by leave-one-document-out accuracy on the reviewed figures of the project's and the draft benchmark's
# documents, in their sentences (indicator 0.63 with the ranker, 0.53 without; measure 0.94, unit 0.86; the same
# corpus as benchmarks/draft_quality.py)
_WEIGHTS = {"sentence": 1.0, "window": 2.0, "heading": 0.5, "tags": 1.0}
_C = 100.0
# a catalogue row's one example weighs as fifty reviewed figures: a document about indicators no reviewed figure has
# yet (a new city's statistics) is suggested from their definitions, not pulled to the corpus's common classes
_CATALOGUE_WEIGHT = 50.0
# the indicator unit_kind a literal's own unit can be the level of ("16.8%" an export ratio); a bare number, a count
_LEVEL_KINDS = {"percent": ("percent", "growth"), "times": ("ratio",), "rank": ("rank",), "km2": ("area",)}
# indicators that are a rate or a rank already: no growth, share, multiple or rank is taken of them
_RATE_KINDS = ("percent", "growth", "rank")
# the literal a catalogue row's example stands for: what a figure of that unit_kind prints
_LITERAL_OF_KIND = {
    "currency": "money",
    "count": "bare",
    "percent": "percent",
    "growth": "percent",
    "ratio": "times",
    "rank": "rank",
    "area": "km2",
}
# the ranker learns how far to trust the classifier from its probabilities on documents it did not learn from: two
# folds of documents, each predicted by a classifier trained on the other, to a looser tolerance (more folds, or
# the full tolerance, cost training time and gained nothing measurable; a much looser one lost 0.08)
_FOLDS = 2
_FOLD_TOLERANCE = 1e-2
# the log of a probability the classifier gives no class stays finite
_PROBABILITY_FLOOR = 1e-4
# the ranker's regularisation: at 100 its weights swung from fold to fold and accuracy fell
_RANKER_C = 1.0
# contexts scored at once: the ranker's features are contexts × indicators × features, kept a few MB
BATCH = 2000
# words that say nothing of what a literal counts: the grammar's, and a unit's, which the literal decides anyway
# ("yuan" in a table's row label would match every definition that says "in yuan")
_STOP_WORDS = frozenset(
    "a an and as at by for from in into is it its of on or per that the their this to was were which with".split()
    + "unit sup yuan rmb cny us usd dollar dollars yen jpy euro eur million billion thousand percent".split()
)
_TARGETS = ("indicator", "measure", "unit", "entity")
_COLUMN = {"indicator": "indicator_code", "measure": "measure", "unit": "unit"}
_FIGURE_COLUMNS = (
    "figure_id",
    "document_id",
    "section",
    "paragraph",
    "table_row",
    "table_column",
    "entity_type",
    "entity_id",
    "indicator_code",
    "measure",
    "stated_text",
    "unit_as_printed",
    "unit",
    "review_status",
)


class SuggestModelError(ValueError):
    """A sources file the model cannot learn from; the message names the file, the line and why."""


@dataclass(frozen=True)
class _Kind:
    """An indicator's or a measure's unit_kind and unit (both empty for the measure `level`)."""

    unit_kind: str
    unit: str


@dataclass(frozen=True)
class _Literal:
    """What a literal says of its figure's unit: money, a unit of its own (percent, times, rank, km2) or none (a
    count), or nothing at all (a table cell under no unit label)."""

    currency: str  # money's code, else empty
    unit: str
    unlabelled: bool


@dataclass(frozen=True)
class _Example:
    sentence: str
    window: str  # the words nearest the literal
    heading: str
    tags: str  # the literal's kind, currency, comparator and scale; table or prose; the document's kind
    targets: dict[str, str]  # the class this example teaches, by target
    reviewed: bool  # a reviewed figure, not a catalogue row's definition
    literal: _Literal | None = None  # a reviewed figure's: which indicators it may be
    document: str = ""  # a reviewed figure's


def _rows(path: Path, required: Sequence[str]) -> list[tuple[int, dict]]:
    """A CSV's rows, each with the line of the file it starts on."""
    reader = csv.DictReader(io.StringIO(decode_text(path.read_bytes(), path), newline=""))
    missing = [c for c in required if c not in (reader.fieldnames or ())]
    if missing:
        raise SuggestModelError(f"{path}:1: missing column(s) {', '.join(missing)}")
    rows, start = [], 2
    for row in reader:
        rows.append((start, row))
        start = reader.line_num + 1
    return rows


def _unlabelled(context: Context) -> bool:
    """A table cell printing a bare number under no unit label: the literal says nothing of its unit (the
    "Growth" row of a table whose caption's unit is the amount rows')."""
    quantity = context.quantity
    return (
        context.place.table_row is not None and not context.unit_as_printed and not (quantity.currency or quantity.unit)
    )


def _literal(context: Context) -> _Literal:
    return _Literal(context.quantity.currency or "", context.quantity.unit or "", _unlabelled(context))


# the words that say what a percent measures, right before it ("grew by", "up", "accounted for") or after it
# ("of the total"): a tag each, for the measure model to weigh against the sentence's other words
_GROWTH_CUE = re.compile(
    r"\b(?:grew|grow|grows|growth|increased?|increases|rose|rise|up|down|fell|decreased?|declined?|expanded)\b"
)
_SHARE_CUE = re.compile(r"\b(?:accounted|accounting|accounts|share|proportion|ratio|percent of)\b")
_CUE_REACH = 30


def _cues(context: Context) -> str:
    if context.place.table_row is not None:
        return ""
    before = context.sentence[max(0, context.position - _CUE_REACH) : context.position].lower()
    after = context.sentence[context.position + len(context.literal) :][:12].lower()
    cues = [
        name
        for name, found in (
            ("cue_growth", _GROWTH_CUE.search(before)),
            ("cue_share", _SHARE_CUE.search(before)),
            ("cue_of", after.lstrip().startswith("of ")),
        )
        if found
    ]
    return " ".join(cues)


def _example(context: Context, targets: dict[str, str], document: str = "") -> _Example:
    place, quantity = context.place, context.quantity
    if place.table_row is not None:
        # a table cell's nearest words are its row's and column's labels
        window = " ".join(filter(None, (place.table_row, place.table_column)))
    else:
        start, end = context.position, context.position + len(context.literal)
        window = " ".join(
            _WORDS.findall(context.sentence[:start])[-WINDOW:] + _WORDS.findall(context.sentence[end:])[:WINDOW]
        )
    literal = "unlabelled" if _unlabelled(context) else "money" if quantity.currency else quantity.unit or "bare"
    tags = (
        f"kind_{context.kind} {'table' if place.table_row is not None else 'prose'} literal_{literal} "
        f"currency_{quantity.currency} comparator_{quantity.comparator} scale_{quantity.scale} {_cues(context)}"
    )
    return _Example(context.sentence, window, place.section or "", tags, targets, True, _literal(context), document)


class _Text:
    """A document's text as read for training: where a figure is printed, found at its locator."""

    def __init__(self, text: str, sections: set[str]):
        self.lines = read_lines(text, sections)
        self.captions = {line.place.section: line.text.strip() for line in self.lines if line.kind == "caption"}

    def printing(self, place: Place, stated_text: str) -> tuple[TextLine, str, int] | None:
        """The line the figure is printed on, its sentence (a table cell's: caption, row and column labels), and
        where the literal starts in the sentence."""
        for line in self.lines:
            if line.place.section != place.section:
                continue
            if place.table_row is not None:
                if line.kind == "table_row" and line.place.table_row == place.table_row:
                    caption = self.captions.get(place.section)
                    return line, " ".join(filter(None, (caption, place.table_row, place.table_column))), 0
            elif line.kind not in ("table_row", "table_header", "blank") and place.paragraph in (
                None,
                line.place.paragraph,
            ):
                if (found := line.text.find(stated_text)) >= 0:
                    return line, *sentence_at(line.text, sentence_ends(line.text), found)
        return None


def _document_text(sources_dir: Path, documents_dir: Path | None, document: dict, figures) -> _Text | None:
    if documents_dir is None or not document.get("file_name"):
        return None
    path = documents_dir / document["file_name"]
    if not path.is_file():
        return None
    # the section names the document's rows use are headings even where the text's patterns would miss them
    sections = {row["section"] for _, row in figures if row["document_id"] == document["document_id"]}
    mentions = sources_dir / "mentions" / f"{document['document_id']}.csv"
    if mentions.is_file():
        sections |= {row["section"] for _, row in _rows(mentions, ("section",))}
    return _Text(decode_text(path.read_bytes(), path), {s for s in sections if s})


def _claim_statements(sources_dir: Path) -> dict[str, list[str]]:
    """Each figure's claims' statements: the words a person used for it when the text is not at hand."""
    found: dict[str, list[str]] = {}
    for path in sorted((sources_dir / "claims").glob("*.csv")):
        for _, row in _rows(path, ("stated_figure_id", "input_figure_ids", "statement")):
            named = {row["stated_figure_id"], *re.split(r"[;+]", row["input_figure_ids"] or "")}
            for figure_id in filter(None, (name.strip() for name in named)):
                found.setdefault(figure_id, []).append(row["statement"])
    return found


def _place(row: dict) -> Place:
    paragraph = row["paragraph"] or ""
    return Place(
        row["section"] or None,
        int(paragraph) if paragraph.isdigit() else None,
        row["table_row"] or None,
        row["table_column"] or None,
    )


def _published(document: dict) -> tuple[date | None, int | None]:
    year = int(document["year"]) if (document.get("year") or "").isdigit() else None
    if document.get("published"):
        return date.fromisoformat(document["published"]), year
    return (date(year, 12, 31) if year else None), year


def figure_contexts(sources_dir: Path, documents_dir: Path | None) -> list[tuple[str, dict, Context]]:
    """Every figure of `sources_dir/figures` (draft or reviewed) as (its file and line, its row, its Context):
    in its sentence when its document's text is in `documents_dir`, else in what the rows say around it (its
    section and table labels, the literal, its printed unit and the statements of the claims naming it)."""
    documents = {row["document_id"]: row for _, row in _rows(sources_dir / "documents.csv", ("document_id", "kind"))}
    claims = _claim_statements(sources_dir)
    found = []
    for path in sorted((sources_dir / "figures").glob("*.csv")):
        rows = _rows(path, _FIGURE_COLUMNS)
        texts: dict[str, _Text | None] = {}
        for number, row in rows:
            where = f"{path}:{number}: {row['figure_id']}"
            document = documents.get(row["document_id"])
            if document is None:
                raise SuggestModelError(f"{where}: document '{row['document_id']}' is not in documents.csv")
            if row["document_id"] not in texts:
                texts[row["document_id"]] = _document_text(sources_dir, documents_dir, document, rows)
            try:
                quantity = parse_literal(row["stated_text"], row["unit_as_printed"] or "")
            except LiteralParseError as exc:
                raise SuggestModelError(f"{where}: stated_text {row['stated_text']!r} does not read: {exc}") from None
            place = _place(row)
            text = texts[row["document_id"]]
            if printing := text.printing(place, row["stated_text"]) if text else None:
                line, sentence, position = printing
                number_in_text, paragraph = line.number, line.text
                earlier = "" if place.table_row else paragraph[: paragraph.find(sentence)]
            else:
                said = (place.section, place.table_row, place.table_column, row["stated_text"], row["unit_as_printed"])
                sentence = " ".join(filter(None, (*said, *claims.get(row["figure_id"], ()))))
                position, number_in_text, paragraph, earlier = sentence.find(row["stated_text"]), 0, sentence, ""
            published, year = _published(document)
            context = Context(
                row["stated_text"],
                quantity,
                row["unit_as_printed"] or None,
                place,
                number_in_text,
                sentence,
                position,
                paragraph,
                earlier,
                document.get("title") or "",
                document["kind"],
                published,
                year,
            )
            found.append((where, row, context))
    return found


def _reviewed_examples(
    sources_dir: Path, documents_dir: Path | None, indicators: dict[str, _Kind], measures: dict[str, _Kind]
) -> list[_Example]:
    examples = []
    for where, row, context in figure_contexts(sources_dir, documents_dir):
        if row["review_status"] != "reviewed":
            continue
        if row["indicator_code"] not in indicators:
            raise SuggestModelError(f"{where}: indicator '{row['indicator_code']}' is not in indicators.csv")
        if row["measure"] not in measures:
            raise SuggestModelError(f"{where}: measure '{row['measure']}' is not in measures.csv")
        targets = {"indicator": row["indicator_code"], "measure": row["measure"]}
        # a unit or entity the row leaves empty teaches nothing (the run refuses such a reviewed row anyway)
        if row["unit"]:
            targets["unit"] = row["unit"]
        if row["entity_type"] and row["entity_id"]:
            targets["entity"] = f"{row['entity_type']}:{row['entity_id']}"
        examples.append(_example(context, targets, row["document_id"]))
    return examples


def _catalogue_examples(indicator_rows, measure_rows) -> list[_Example]:
    """One example per catalogue row: its definition as the sentence, its name as the words nearest the literal,
    and the literal its unit_kind prints."""
    examples = []
    for _, row in indicator_rows:
        targets = {"indicator": row["indicator_code"]}
        if row["unit_kind"] == "count" and row["unit"]:
            targets["unit"] = row["unit"]
        tags = f"literal_{_LITERAL_OF_KIND.get(row['unit_kind'], 'bare')}"
        sentence = f"{row['indicator_name']} {row['definition']}"
        examples.append(_Example(sentence, row["indicator_name"], "", tags, targets, False))
    for _, row in measure_rows:
        tags = f"literal_{_LITERAL_OF_KIND[row['unit_kind']]}" if row["unit_kind"] in _LITERAL_OF_KIND else ""
        sentence = f"{row['measure_name']} {row['definition']}"
        examples.append(_Example(sentence, row["measure_name"], "", tags, {"measure": row["measure"]}, False))
    return examples


@dataclass
class _Model:
    """One target's classifier, with how many reviewed examples each class had."""

    classes: list[str]
    reviewed: Counter
    classifier: object | None  # None: a single class, certain

    def probabilities(self, features):
        """Each row's probability of each class, in the order of `classes`."""
        import numpy as np

        if self.classifier is None:
            return np.ones((features.shape[0], 1))
        return self.classifier.predict_proba(features)

    def via(self, value: str) -> str:
        count = self.reviewed[value]
        if not count:
            return "catalogue definition"
        return f"model ({count} reviewed example{'s' if count != 1 else ''})"


@dataclass
class _Features:
    vectorizers: dict[str, object]  # by block: sentence, window, heading, tags

    def transform(self, examples: Sequence[_Example]):
        from scipy.sparse import hstack

        return hstack(
            [
                _WEIGHTS[block] * _transformed(vectorizer, [getattr(e, block) for e in examples])
                for block, vectorizer in self.vectorizers.items()
            ]
        ).tocsr()


def _transformed(vectorizer, texts: list[str]):
    """`vectorizer.transform(texts)`, each distinct text read once: a sentence printing three numbers is the
    sentence of three examples, and a table's captions, labels and tags repeat down its rows. A row's features
    are its text's alone, so the rows are the same."""
    distinct = {text: row for row, text in enumerate(dict.fromkeys(texts))}
    return vectorizer.transform(list(distinct))[[distinct[text] for text in texts]]


def _stems(text: str) -> list[str]:
    """The text's words in lower case, a plural's ending dropped ("exports" reads as "export", "companies" as
    "company"), without the words every name shares ("of", "the", "and")."""
    found = []
    for word in _WORDS.findall(text.lower()):
        if len(word) < 2 or word in _STOP_WORDS:
            continue
        if len(word) > 4 and word.endswith("ies"):
            word = word[:-3] + "y"
        elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        found.append(word)
    return found


@dataclass
class _Ranker:
    """Ranks the indicators a literal may be by how a reviewed figure's own indicator ranked among its rivals: the
    classifier's probability, measured on documents it did not learn from, against how much of the indicator's
    name and definition the words around the literal repeat, and how common the indicator is."""

    words: object  # a tf-idf vectorizer over _stems
    names: object  # indicator × word: the name's tf-idf
    definitions: object  # indicator × word: the definition's tf-idf
    name_words: object  # indicator × word: 1 / (words in the name) at each of its words
    name_idf: object  # indicator × word: each word's idf over the name's total
    prior: object  # log(1 + the indicator's reviewed figures)
    classifier: object | None = None  # a binary LogisticRegression over the pairs' features

    def features(self, examples: Sequence[_Example], probabilities):
        """examples × indicators × features."""
        import numpy as np

        window, sentence, heading = (
            _transformed(self.words, [getattr(e, block) for e in examples])
            for block in ("window", "sentence", "heading")
        )
        blocks = [
            np.log(probabilities + _PROBABILITY_FLOOR),
            window @ self.names.T,
            window @ self.definitions.T,
            sentence @ self.names.T,
            sentence @ self.definitions.T,
            heading @ self.names.T,
            (window > 0) @ self.name_words.T,
            (sentence > 0) @ self.name_words.T,
            (window > 0) @ self.name_idf.T,
            (sentence > 0) @ self.name_idf.T,
        ]
        dense = [block if isinstance(block, np.ndarray) else block.toarray() for block in blocks]
        dense.append(np.broadcast_to(self.prior, probabilities.shape))
        return np.stack(dense, axis=-1)

    def weights(self, examples: Sequence[_Example], probabilities):
        """examples × indicators: each indicator's weight, exp of its score, the row's best weighing 1."""
        import numpy as np

        features = self.features(examples, probabilities)
        rows, indicators, width = features.shape
        scores = self.classifier.decision_function(features.reshape(rows * indicators, width)).reshape(rows, -1)
        return np.exp(scores - scores.max(axis=1, keepdims=True))


def _fits(indicator: _Kind, measure: _Kind, literal: _Literal) -> bool:
    """Whether the indicator with the measure reads as the literal does: a measure with a unit of its own (a
    growth rate's percent) needs that unit printed and an indicator that is no rate or rank itself; a level, an
    indicator of the literal's kind (money a currency indicator, a bare number a count, "16.8%" a percent one).
    A table cell under no unit label may be any of them."""
    if measure.unit:
        if indicator.unit_kind in _RATE_KINDS or indicator.unit_kind == measure.unit_kind:
            return False
        return literal.unlabelled or (not literal.currency and literal.unit == measure.unit)
    if literal.unlabelled:
        return True
    if literal.currency:
        return indicator.unit_kind == "currency"
    if literal.unit and indicator.unit and literal.unit != indicator.unit:
        return False  # a level is in its indicator's unit: "2.5 times" is no ratio in persons per population
    return indicator.unit_kind in _LEVEL_KINDS.get(literal.unit, ("count",))


def _readings(indicators: dict[str, _Kind], measures: dict[str, _Kind], literal: _Literal) -> dict[str, list[str]]:
    """Each indicator the literal may be, with the measures it may be read with."""
    found = {
        code: [m for m, kind in measures.items() if _fits(indicator, kind, literal)]
        for code, indicator in indicators.items()
    }
    return {code: fitting for code, fitting in found.items() if fitting}


@dataclass(frozen=True)
class _Fits:
    """Which classes a kind of literal leaves the models: for each indicator class, the measure classes it may be
    read with, and the order the measures' total adds them in (each as the indicators it fits first name it)."""

    measures: object  # indicator classes × measure classes, bool
    order: list[int]  # measure columns


@dataclass
class Suggester:
    """The trained models and the catalogue rules a suggestion must respect."""

    features: _Features
    models: dict[str, _Model]
    indicators: dict[str, _Kind]
    measures: dict[str, _Kind]
    examples: int  # reviewed figures it learned from
    ranker: _Ranker | None = None  # None: no reviewed figure to learn a ranking from
    _read: dict[_Literal, dict[str, list[str]]] = field(default_factory=dict, repr=False)
    _fits: dict[_Literal, _Fits] = field(default_factory=dict, repr=False)
    _units: dict[tuple[_Literal, str], object] = field(default_factory=dict, repr=False)

    def suggest(self, context: Context) -> dict[str, Suggestion]:
        """The indicator, measure, unit and entity suggested for the quantity, by those keys; a key is missing
        when the literal rules out every class the model knows."""
        return self.suggest_all([context])[0]

    def suggest_all(self, contexts: Sequence[Context]) -> list[dict[str, Suggestion]]:
        """`suggest` for many quantities at once: each model's pass, and each choice among its classes, made for a
        batch of them in a few matrix operations (a long text's hundred thousand numbers cost no Python loop over
        their classes)."""
        from threadpoolctl import threadpool_limits

        found: list[dict[str, Suggestion]] = []
        for start in range(0, len(contexts), BATCH):
            batch = [_example(c, {}) for c in contexts[start : start + BATCH]]
            with threadpool_limits(1):
                features = self.features.transform(batch)
                p = {target: model.probabilities(features) for target, model in self.models.items()}
                if "indicator" in p:
                    p["ranked"] = self.ranker.weights(batch, p["indicator"]) if self.ranker else p["indicator"]
                found += self._suggest_batch([e.literal for e in batch], p)
        return found

    def readings(self, literal: _Literal) -> dict[str, list[str]]:
        """Each indicator the literal may be, with the measures it may be read with (the same for every literal
        of a kind, so worked out once)."""
        if literal not in self._read:
            self._read[literal] = _readings(self.indicators, self.measures, literal)
        return self._read[literal]

    def _fitting(self, literal: _Literal) -> _Fits:
        import numpy as np

        if literal not in self._fits:
            codes, names = self.models["indicator"].classes, self.models["measure"].classes
            column = {name: n for n, name in enumerate(names)}
            readings = self.readings(literal)
            fits = np.zeros((len(codes), len(names)), dtype=bool)
            order: dict[int, None] = {}
            for row, code in enumerate(codes):
                for m in readings.get(code, ()):
                    if m in column:
                        fits[row, column[m]] = True
                        order.setdefault(column[m])
            self._fits[literal] = _Fits(fits, list(order))
        return self._fits[literal]

    def _unit_classes(self, literal: _Literal, measured: str):
        """The unit classes the literal allows: the unit it prints (a currency's code, percent, times, rank, km2);
        for a bare number, the unit of a count (persons, firms, ...); under no unit label, the suggested measure's
        own unit when it has one (a growth rate's percent), else any."""
        import numpy as np

        if (literal, measured) not in self._units:
            classes = self.models["unit"].classes
            printed = literal.currency or literal.unit
            if literal.unlabelled:
                allowed = {measured} if measured else set(classes)
            elif printed:
                allowed = {printed}
            else:
                allowed = {i.unit for i in self.indicators.values() if i.unit_kind == "count" and i.unit}
            self._units[literal, measured] = np.array([c in allowed for c in classes], dtype=bool)
        return self._units[literal, measured]

    def _suggest_batch(self, literals: list[_Literal], p: dict) -> list[dict[str, Suggestion]]:
        import numpy as np

        rows = len(literals)
        found: list[dict[str, Suggestion]] = [{} for _ in range(rows)]
        chosen = np.full(rows, -1)
        if "indicator" in p and "measure" in p:
            kinds: dict[_Literal, list[int]] = {}
            for row, literal in enumerate(literals):
                kinds.setdefault(literal, []).append(row)
            allowed = np.zeros((rows, len(self.models["indicator"].classes)), dtype=bool)
            for literal, at in kinds.items():
                fits = self._fitting(literal)
                # the measure first, as the classifiers read the literal: each as likely as it is times how likely
                # the indicators it may be read with are; then the ranker's best indicator among those, so the
                # indicator and measure suggested together always fit each other and the literal
                indicator, measure = p["indicator"][at], p["measure"][at]
                marginal = np.zeros_like(measure)
                for code in np.flatnonzero(fits.measures.any(axis=1)):
                    marginal += indicator[:, code, None] * measure * fits.measures[code]
                total = np.zeros(len(at))
                for column in fits.order:
                    total = total + marginal[:, column]
                best = self._ranked("measure", marginal, marginal > 0, total)
                for row, suggestion in zip(at, best, strict=True):
                    if suggestion:
                        found[row]["measure"] = suggestion
                picked = np.array([self._column("measure", s) for s in best])
                chosen[at] = picked
                allowed[at] = np.where(picked[:, None] >= 0, fits.measures.T[picked], False)
            for row, suggestion in enumerate(self._ranked("indicator", p["ranked"], allowed)):
                if suggestion:
                    found[row]["indicator"] = suggestion
        self._suggest_units(literals, p, chosen, found)
        if "entity" in p:
            for row, suggestion in enumerate(self._ranked("entity", p["entity"], np.ones_like(p["entity"], bool))):
                if suggestion:
                    found[row]["entity"] = suggestion
        return found

    def _suggest_units(self, literals: list[_Literal], p: dict, chosen, found: list[dict[str, Suggestion]]) -> None:
        import numpy as np

        names = self.models["measure"].classes if "measure" in self.models else []
        measured = [self.measures[names[m]].unit if m >= 0 else "" for m in chosen.tolist()]
        if "unit" in p:
            allowed = np.array([self._unit_classes(*kind) for kind in zip(literals, measured, strict=True)])
            ranked = self._ranked("unit", p["unit"], allowed)
        else:
            ranked = [None] * len(literals)
        for row, (literal, suggestion) in enumerate(zip(literals, ranked, strict=True)):
            if suggestion is None and (printed := literal.currency or literal.unit):
                # a currency or unit no reviewed figure has had yet: the literal says it all the same
                suggestion = Suggestion({"unit": printed}, 1.0, via="the literal")
            if suggestion:
                found[row]["unit"] = suggestion

    def _column(self, target: str, suggestion: Suggestion | None) -> int:
        if suggestion is None:
            return -1
        return self.models[target].classes.index(suggestion.value[_COLUMN[target]])

    def _ranked(self, target: str, scores, allowed, total=None) -> list[Suggestion | None]:
        """Each row's best class of `scores` among those `allowed` (the classes the literal rules out are gone),
        renormalised over them, with the next two as alternatives; None where none has a positive score.
        `total`: the row's sum of the allowed scores, when it is added in another order than the classes'."""
        import numpy as np

        kept = np.where(allowed, scores, 0.0)
        if total is None:
            # added one class after another, as Python's sum adds a row's scores: the same last bit
            total = np.cumsum(kept, axis=1)[:, -1] if kept.shape[1] else np.zeros(len(kept))
        with np.errstate(divide="ignore", invalid="ignore"):
            share = kept / total[:, None]
        share[~allowed | (kept <= 0) | (total <= 0)[:, None]] = -np.inf
        # the best three: argmax takes the first of equal shares, the class first by name (the classes are sorted)
        best, shares = [], []
        for _ in range(3):
            column = share.argmax(axis=1)
            best.append(column)
            shares.append(share[np.arange(len(share)), column])
            share[np.arange(len(share)), column] = -np.inf
        classes, model = self.models[target].classes, self.models[target]
        found: list[Suggestion | None] = []
        for columns, values in zip(np.stack(best, 1).tolist(), np.stack(shares, 1).tolist(), strict=True):
            ranked = [(classes[c], s) for c, s in zip(columns, values, strict=True) if s > -np.inf]
            if not ranked:
                found.append(None)
                continue
            (first, confidence), *rest = ranked
            alternatives = tuple((_value(target, c), s) for c, s in rest)
            found.append(Suggestion(_value(target, first), confidence, alternatives, model.via(first)))
        return found


def _value(target: str, value: str) -> dict[str, str]:
    if target == "entity":
        entity_type, entity_id = value.split(":", 1)
        return {"entity_type": entity_type, "entity_id": entity_id}
    return {_COLUMN[target]: value}


def _fit(
    matrix, examples: list[_Example], target: str, without: frozenset[str] = frozenset(), tol: float = 1e-3
) -> _Model:
    """The target's classifier, learned from every example teaching it but those of the documents `without`."""
    from sklearn.linear_model import LogisticRegression

    rows = [i for i, e in enumerate(examples) if target in e.targets and e.document not in without]
    labels = [examples[i].targets[target] for i in rows]
    reviewed = Counter(examples[i].targets[target] for i in rows if examples[i].reviewed)
    classes = sorted(set(labels))
    if len(classes) == 1:
        return _Model(classes, reviewed, None)
    weights = [1.0 if examples[i].reviewed else _CATALOGUE_WEIGHT for i in rows]
    with warnings.catch_warnings():
        # a catalogue row is a class of one example by design: many classes for few examples is no mistake here
        warnings.filterwarnings("ignore", "The number of unique classes is greater than 50%", UserWarning)
        classifier = LogisticRegression(C=_C, solver="newton-cg", tol=tol)
        classifier.fit(matrix[rows], labels, sample_weight=weights)
    return _Model([str(c) for c in classifier.classes_], reviewed, classifier)


def _out_of_fold(matrix, examples: list[_Example], rows: list[int], codes: list[str]):
    """The indicator probabilities of the examples `rows` (rows × codes), each from a classifier that learned
    from none of its document's figures: what the classifier says of a new document, for the ranker to weigh."""
    import numpy as np

    sizes = Counter(examples[i].document for i in rows)
    folds: list[set[str]] = [set() for _ in range(min(_FOLDS, len(sizes)))]
    held = [0] * len(folds)
    for document, size in sorted(sizes.items(), key=lambda ds: (-ds[1], ds[0])):
        smallest = held.index(min(held))
        folds[smallest].add(document)
        held[smallest] += size
    column = {code: n for n, code in enumerate(codes)}
    found = np.zeros((len(rows), len(codes)))
    for fold in folds:
        model = _fit(matrix, examples, "indicator", frozenset(fold), _FOLD_TOLERANCE)
        inside = [n for n, i in enumerate(rows) if examples[i].document in fold]
        found[np.ix_(inside, [column[c] for c in model.classes])] = model.probabilities(
            matrix[[rows[n] for n in inside]]
        )
    return found


def _train_ranker(
    matrix, examples: list[_Example], model: _Model, catalogue: dict[str, tuple[str, str]], suggester: Suggester
) -> _Ranker | None:
    """The ranker, learned from each reviewed figure's indicator against every other indicator its literal may be;
    None when no reviewed figure has a rival to learn from."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [i for i, e in enumerate(examples) if e.reviewed and "indicator" in e.targets]
    codes = model.classes
    if not rows or len(codes) < 2:
        return None
    words = TfidfVectorizer(analyzer=_stems, sublinear_tf=True)
    words.fit(
        [text for name, definition in catalogue.values() for text in (name, definition)]
        + [examples[i].sentence for i in rows]
    )
    names = words.transform([catalogue[c][0] for c in codes])
    present = (names > 0).astype(float)
    idf = present.multiply(words.idf_[None, :]).tocsr()
    lengths = np.maximum(np.asarray(present.sum(axis=1)).ravel(), 1.0)
    reviewed = np.array([model.reviewed[c] for c in codes], dtype=float)
    ranker = _Ranker(
        words,
        names,
        words.transform([catalogue[c][1] for c in codes]),
        present.multiply(1.0 / lengths[:, None]).tocsr(),
        idf.multiply(1.0 / np.maximum(np.asarray(idf.sum(axis=1)).ravel(), 1e-9)[:, None]).tocsr(),
        np.log1p(reviewed),
    )
    features = ranker.features([examples[i] for i in rows], _out_of_fold(matrix, examples, rows, codes))
    fits = np.array([[c in suggester.readings(examples[i].literal) for c in codes] for i in rows])
    right = np.array([[examples[i].targets["indicator"] == c for c in codes] for i in rows])
    # a figure whose reviewed indicator its literal rules out (a table cell's unit misread) ranks nothing
    pairs = fits & (fits & right).any(axis=1, keepdims=True)
    labels = right[pairs]
    if labels.all() or not labels.any():
        return None
    ranker.classifier = LogisticRegression(C=_RANKER_C, max_iter=1000)
    ranker.classifier.fit(features[pairs], labels)
    return ranker


def train(sources_dir: Path, documents_dir: Path | None = None) -> Suggester:
    """A Suggester learned from every reviewed figure in `sources_dir` (in its sentence, when its document's text
    is in `documents_dir`) and every indicator's and measure's definition."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from threadpoolctl import threadpool_limits

    indicator_rows = _rows(
        sources_dir / "indicators.csv", ("indicator_code", "indicator_name", "unit_kind", "unit", "definition")
    )
    measure_rows = _rows(sources_dir / "measures.csv", ("measure", "measure_name", "unit_kind", "unit", "definition"))
    indicators = {r["indicator_code"]: _Kind(r["unit_kind"], r["unit"]) for _, r in indicator_rows}
    measures = {r["measure"]: _Kind(r["unit_kind"], r["unit"]) for _, r in measure_rows}
    reviewed = _reviewed_examples(sources_dir, documents_dir, indicators, measures)
    examples = reviewed + _catalogue_examples(indicator_rows, measure_rows)
    vectorizers = {
        "sentence": TfidfVectorizer(ngram_range=(1, 2), token_pattern=_TOKEN, sublinear_tf=True),
        "window": TfidfVectorizer(ngram_range=(1, 2), token_pattern=_TOKEN, sublinear_tf=True),
        "heading": TfidfVectorizer(token_pattern=_TOKEN),
        "tags": CountVectorizer(token_pattern=r"\S+", lowercase=False, binary=True),
    }
    for block, vectorizer in list(vectorizers.items()):
        try:
            vectorizer.fit([getattr(e, block) for e in examples])
        except ValueError:  # no example has a word of this block (no reviewed figure yet): the block is left out
            del vectorizers[block]
    features = _Features(vectorizers)
    # problems this small run fastest on one thread: BLAS threads on a busy machine cost ten times the work
    with threadpool_limits(1):
        matrix = features.transform(examples)
        models = {t: _fit(matrix, examples, t) for t in _TARGETS if any(t in e.targets for e in examples)}
        suggester = Suggester(features, models, indicators, measures, len(reviewed))
        if "indicator" in models:
            catalogue = {r["indicator_code"]: (r["indicator_name"], r["definition"]) for _, r in indicator_rows}
            suggester.ranker = _train_ranker(matrix, examples, models["indicator"], catalogue, suggester)
    return suggester
