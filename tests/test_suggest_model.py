"""The learned suggester: trained on a small corpus written here (the project's catalogues, an invented text in
our own words and its reviewed figures), it suggests what reviewed figures taught it, reaches a catalogue row no
figure uses yet, never contradicts the literal, and learns from the rows alone when the text is absent; on the
project's own sources, its leave-one-document-out accuracy is printed."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from conftest import SHARED_SEEDS, SOURCES, read_rows, write_rows
from orchestration.corpus.suggest_model import SuggestModelError, figure_contexts, train
from orchestration.corpus.suggestion import Context
from orchestration.corpus.text import Place
from orchestration.ingest.literals import parse_literal

DOC = "harbour_notes"
UNIT = "100 million yuan"
# our own words and invented figures: sales and exports of an industry, staff of firms, tenants of a park
TEXT = """# Notes on a Harbour City's Software Trade

## 1. Sales and Exports

In 2014 the software and information services industry of Dalian posted sales of 95.2 billion yuan.
In 2015 the software and information services industry of Dalian posted sales of 101.4 billion yuan.
The software and information services exports of Dalian came to US$ 2.9 billion in 2015.

## 2. People and Companies

Neusoft employed about 18,000 staff in 2015.
DHC employed about 6,000 staff in 2015.
Dalian Software Park was home to about 650 tenant companies in 2015.

Table 1. Software sales of Dalian (unit: 100 million yuan)

Years\t2014\t2015
Sales\t952\t1014
Growth\t8.1\t6.5
"""
SALES, PEOPLE, TABLE = "1. Sales and Exports", "2. People and Companies", "Table 1"
# (place, entity, indicator, measure, unit, stated_text, unit_as_printed)
FIGURES = [
    (Place(SALES, 1), ("geography", "dalian"), "software_is_sales", "level", "CNY", "95.2 billion yuan", ""),
    (Place(SALES, 2), ("geography", "dalian"), "software_is_sales", "level", "CNY", "101.4 billion yuan", ""),
    (Place(SALES, 3), ("geography", "dalian"), "software_is_exports", "level", "USD", "US$ 2.9 billion", ""),
    (Place(PEOPLE, 1), ("firm", "neusoft"), "firm_employees", "level", "persons", "about 18,000", ""),
    (Place(PEOPLE, 2), ("firm", "dhc"), "firm_employees", "level", "persons", "about 6,000", ""),
    (Place(PEOPLE, 3), ("geography", "dalian_software_park"), "park_tenants", "level", "firms", "about 650", ""),
    (Place(TABLE, None, "Sales", "2014"), ("geography", "dalian"), "software_is_sales", "level", "CNY", "952", UNIT),
    (Place(TABLE, None, "Sales", "2015"), ("geography", "dalian"), "software_is_sales", "level", "CNY", "1014", UNIT),
    # the growth row prints no unit: the caption's is the amounts'
    (
        Place(TABLE, None, "Growth", "2014"),
        ("geography", "dalian"),
        "software_is_sales",
        "growth_pct",
        "percent",
        "8.1",
        "",
    ),
    (
        Place(TABLE, None, "Growth", "2015"),
        ("geography", "dalian"),
        "software_is_sales",
        "growth_pct",
        "percent",
        "6.5",
        "",
    ),
]
CATALOGUES = ("indicators.csv", "measures.csv", "geography.csv", "firms.csv", "firm_aliases.csv")
NEW_INDICATOR = {
    "indicator_code": "data_centre_racks",
    "indicator_name": "Data centre server racks",
    "unit_kind": "count",
    "unit": "racks",
    "additive": "true",
    "definition": "Number of server racks installed in the data centres of the entity.",
}


def _write_corpus(root: Path) -> tuple[Path, Path]:
    """A sources folder with the project's catalogues and the invented document's reviewed figures, and a
    texts folder with its text."""
    sources, texts = root / "sources", root / "texts"
    (sources / "figures").mkdir(parents=True)
    (sources / "claims").mkdir()
    texts.mkdir()
    for name in CATALOGUES:
        shutil.copy(SOURCES / name, sources / name)
    (texts / f"{DOC}.txt").write_text(TEXT, encoding="utf-8")
    document_fields, _ = read_rows(SOURCES / "documents.csv")
    write_rows(
        sources / "documents.csv",
        document_fields,
        [{**dict.fromkeys(document_fields, ""), "document_id": DOC, "file_name": f"{DOC}.txt", "kind": "report"}],
    )
    figure_fields, _ = read_rows(SOURCES / "figures" / "ningbo_paper.csv")
    rows = []
    for number, (place, entity, indicator, measure, unit, stated, printed_unit) in enumerate(FIGURES, start=1):
        quantity = parse_literal(stated, printed_unit)
        rows.append(
            {
                **dict.fromkeys(figure_fields, ""),
                "figure_id": f"harbour_f{number:03d}",
                "document_id": DOC,
                "section": place.section,
                "paragraph": str(place.paragraph or ""),
                "table_row": place.table_row or "",
                "table_column": place.table_column or "",
                "entity_type": entity[0],
                "entity_id": entity[1],
                "indicator_code": indicator,
                "measure": measure,
                "stated_text": stated,
                "unit_as_printed": printed_unit,
                "unit": unit,
                "currency": quantity.currency or "",
                "review_status": "reviewed",
            }
        )
    write_rows(sources / "figures" / f"{DOC}.csv", figure_fields, rows)
    return sources, texts


@pytest.fixture()
def corpus(tmp_path) -> tuple[Path, Path]:
    return _write_corpus(tmp_path)


def _context(sentence: str, literal: str, section: str, place: Place | None = None) -> Context:
    return Context(
        literal,
        parse_literal(literal),
        None,
        place or Place(section, 1),
        1,
        sentence,
        0 if place else sentence.index(literal),  # a table cell's sentence is its caption and labels
        sentence,
        "",
        "Notes on a harbour city",
        "report",
        None,
        2017,
    )


def test_a_sentence_worded_like_the_reviewed_ones_gets_their_indicator(corpus):
    sources, texts = corpus
    sentence = "In 2016 the software and information services industry of Dalian posted sales of 110.8 billion yuan."
    found = train(sources, texts).suggest(_context(sentence, "110.8 billion yuan", SALES))
    indicator = found["indicator"]
    assert indicator.value == {"indicator_code": "software_is_sales"}
    assert indicator.via == "model (6 reviewed examples)"
    assert len(indicator.alternatives) == 2
    assert indicator.confidence > max(confidence for _, confidence in indicator.alternatives)
    assert found["measure"].value == {"measure": "level"}
    assert found["unit"].value == {"unit": "CNY"}
    assert found["entity"].value == {"entity_type": "geography", "entity_id": "dalian"}


def test_a_new_catalogue_indicator_is_suggested_from_its_name_and_definition(corpus):
    sources, texts = corpus
    fields, rows = read_rows(sources / "indicators.csv")
    write_rows(sources / "indicators.csv", fields, [*rows, NEW_INDICATOR])
    sentence = "The data centres of Dalian had about 1,200 server racks installed in 2016."
    found = train(sources, texts).suggest(_context(sentence, "about 1,200", PEOPLE))
    assert found["indicator"].value == {"indicator_code": "data_centre_racks"}
    assert found["indicator"].via == "catalogue definition"
    assert found["unit"].value == {"unit": "racks"}


def test_a_literal_is_never_contradicted(corpus):
    sources, texts = corpus
    suggester = train(sources, texts)
    kinds = {row["indicator_code"]: row["unit_kind"] for row in read_rows(sources / "indicators.csv")[1]}
    # worded as the staff counts are, but printed as money: no count indicator, only money's level and currency
    money = suggester.suggest(
        _context("Neusoft employed about US$ 40 million staff in 2015.", "about US$ 40 million", PEOPLE)
    )
    indicators = [money["indicator"].value, *(value for value, _ in money["indicator"].alternatives)]
    assert {kinds[i["indicator_code"]] for i in indicators} == {"currency"}
    assert money["measure"].value == {"measure": "level"}
    assert money["unit"].value == {"unit": "USD"}
    # worded as the sales are, but a bare number: a count, in a count's unit
    count = suggester.suggest(
        _context("In 2016 the software and information services industry of Dalian posted sales of 120.", "120", SALES)
    )
    assert kinds[count["indicator"].value["indicator_code"]] == "count"
    assert count["measure"].value == {"measure": "level"}
    assert count["unit"].value["unit"] not in {"CNY", "USD", "percent"}


def test_a_table_cell_under_no_unit_label_is_read_as_its_row_was(corpus):
    sources, texts = corpus
    caption = "Table 1. Software sales of Dalian (unit: 100 million yuan)"
    cell = _context(f"{caption} Growth 2016", "7.2", TABLE, Place(TABLE, None, "Growth", "2016"))
    found = train(sources, texts).suggest(cell)
    assert found["indicator"].value == {"indicator_code": "software_is_sales"}
    assert found["measure"].value == {"measure": "growth_pct"}
    assert found["unit"].value == {"unit": "percent"}


def test_without_the_texts_it_learns_from_what_the_rows_say(corpus):
    sources, _ = corpus
    # the claim's statement is all the rows say of what the exports figure is about
    write_rows(
        sources / "claims" / f"{DOC}.csv",
        ["claim_id", "stated_figure_id", "input_figure_ids", "statement"],
        [
            {
                "claim_id": "harbour_c001",
                "stated_figure_id": "harbour_f003",
                "input_figure_ids": "harbour_f002",
                "statement": "exports of the software and information services industry, a fraction of its sales",
            }
        ],
    )
    contexts = {row["figure_id"]: context for _, row, context in figure_contexts(sources, None)}
    assert "exports of the software and information services industry" in contexts["harbour_f003"].sentence
    suggester = train(sources, None)
    assert suggester.examples == len(FIGURES)
    sentence = "In 2016 the software and information services industry of Dalian posted sales of 110.8 billion yuan."
    found = suggester.suggest(_context(sentence, "110.8 billion yuan", SALES))
    assert found["indicator"].value == {"indicator_code": "software_is_sales"}
    assert found["indicator"].via == "model (6 reviewed examples)"


def test_a_reviewed_figure_of_an_unknown_indicator_is_refused_at_its_line(corpus):
    sources, texts = corpus
    path = sources / "figures" / f"{DOC}.csv"
    fields, rows = read_rows(path)
    rows[1]["indicator_code"] = "software_sales_typo"
    write_rows(path, fields, rows)
    with pytest.raises(SuggestModelError, match=rf"{path}:3: harbour_f002: indicator 'software_sales_typo' is not"):
        train(sources, texts)


def test_leave_one_document_out_on_the_project_sources(tmp_path):
    if not SHARED_SEEDS.is_dir():
        pytest.skip(f"the document texts are not here: {SHARED_SEEDS} does not exist")
    figures = figure_contexts(SOURCES, SHARED_SEEDS)
    right, seconds = 0, []
    documents = sorted({row["document_id"] for _, row, _ in figures})
    for held_out in documents:
        # the held-out document's figures are drafts: the model learns from the others only
        sources = Path(shutil.copytree(SOURCES, tmp_path / held_out))
        for path in (sources / "figures").glob("*.csv"):
            fields, rows = read_rows(path)
            write_rows(
                path, fields, [{**r, "review_status": "draft"} if r["document_id"] == held_out else r for r in rows]
            )
        start = time.perf_counter()
        suggester = train(sources, SHARED_SEEDS)
        seconds.append(time.perf_counter() - start)
        held = [(row, context) for _, row, context in figures if row["document_id"] == held_out]
        for (row, _), found in zip(held, suggester.suggest_all([c for _, c in held]), strict=True):
            right += found["indicator"].value["indicator_code"] == row["indicator_code"]
    accuracy = right / len(figures)
    print(
        f"leave-one-document-out indicator accuracy {accuracy:.3f} over {len(figures)} figures; training took "
        + ", ".join(f"{s:.2f} s" for s in seconds)
    )
    assert accuracy > 0
