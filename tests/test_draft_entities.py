"""The entity a draft suggests for a printed quantity (named in its sentence, a reference resolved in its paragraph,
or the document's subject) and the names it proposes for the catalogues, on a text written for these tests."""

from __future__ import annotations

import re
import time

import pytest

from conftest import SOURCES, read_rows, write_rows
from orchestration.corpus.entities import (
    DOCUMENT_SUBJECT,
    REFERENCE_IN_PARAGRAPH,
    CatalogueError,
    DocumentSubjects,
    EntityIndex,
    proposed_entities,
    suggest_entity,
)
from orchestration.corpus.suggestion import Context
from orchestration.corpus.text import read_lines
from orchestration.ingest.literals import parse_literal

TITLE = "Northern Software Parks: Dalian and Beyond"
# invented figures, in the tests' own words
TEXT = f"""{TITLE}
## 1. Dalian
Liaoning Province keeps its busiest port in Dalian. In 2015 the city counted 1,200 software firms. Dalian Software \
Park housed 650 of them in 2015.
Neusoft Corporation opened a branch office in Shenyang in 2003. Its exports reached US$ 80 million in 2012.
Dalian Haihui Sci-Tech Co., Ltd. hired 300 engineers in 2001.
Wages rose by 12% in 2014.
## 2. Newcomers
On Monday Harbin Tech Valley Park announced 45 new tenants. In 2016 Harbin GDP grew 7%, in 2017 Harbin \
GDP 6%. The Harbin Tech Valley Park expects 60 more.
"""
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z]|\s*$)")


@pytest.fixture(scope="module")
def index() -> EntityIndex:
    return EntityIndex.load(SOURCES)


def context(text: str, literal: str) -> Context:
    """The quantity `literal` where `text` first prints it, in its sentence, as a draft gives it."""
    line = next(line for line in read_lines(text) if literal in line.text)
    at = line.text.index(literal)
    ends = [0, *(m.end() for m in _SENTENCE_END.finditer(line.text))]
    start = max(end for end in ends if end <= at)
    end = min((end for end in ends if end > at), default=len(line.text))
    return Context(
        literal=literal,
        quantity=parse_literal(literal),
        unit_as_printed=None,
        place=line.place,
        line=line.number,
        sentence=line.text[start:end],
        position=at - start,
        paragraph=line.text,
        earlier=line.text[:start],
        title=TITLE,
        kind="report",
        published=None,
        year=2016,
    )


def suggested(index: EntityIndex, literal: str):
    subjects = DocumentSubjects.build(index, TITLE, read_lines(TEXT))
    return suggest_entity(index, subjects, context(TEXT, literal))


def test_a_longer_name_wins_over_the_name_inside_it(index):
    suggestion = suggested(index, "650")
    assert suggestion.value == {"entity_type": "geography", "entity_id": "dalian_software_park"}
    assert suggestion.via == "named in the sentence"
    # the park's operator bears the same name: the place is suggested, the city only as an alternative
    assert {"entity_type": "geography", "entity_id": "dalian"} in [value for value, _ in suggestion.alternatives]


def test_its_in_a_paragraph_about_a_firm_is_the_firm(index):
    suggestion = suggested(index, "US$ 80 million")
    assert suggestion.value == {"entity_type": "firm", "entity_id": "neusoft"}
    assert suggestion.via == "'Its' → paragraph subject"
    assert suggestion.confidence == REFERENCE_IN_PARAGRAPH


def test_the_city_is_the_paragraphs_city_not_its_province(index):
    subjects = DocumentSubjects.build(index, TITLE, read_lines(TEXT))
    # the paragraph opens with the province: it is the paragraph's subject, and no city
    assert subjects.paragraphs[context(TEXT, "1,200").line][0] == ("geography", "liaoning")
    suggestion = suggested(index, "1,200")
    assert suggestion.value == {"entity_type": "geography", "entity_id": "dalian"}
    assert suggestion.via == "'the city' → paragraph subject"


def test_a_paragraph_naming_nothing_gets_the_document_subject_less_surely(index):
    suggestion = suggested(index, "12%")
    assert suggestion.value == {"entity_type": "geography", "entity_id": "dalian"}  # the title names Dalian
    assert suggestion.via == "document subject"
    assert suggestion.confidence == DOCUMENT_SUBJECT < suggested(index, "1,200").confidence


def test_an_alias_from_firm_aliases_is_matched(index):
    # "Dalian Haihui Sci-Tech Co., Ltd." is hiSoft's former name, in firm_aliases.csv only
    assert "Dalian Haihui Sci-Tech Co., Ltd." not in {
        row["canonical_name"] for row in read_rows(SOURCES / "firms.csv")[1]
    }
    suggestion = suggested(index, "300")
    assert suggestion.value == {"entity_type": "firm", "entity_id": "hisoft"}
    assert suggestion.via == "named in the sentence"


def test_an_unknown_park_is_proposed_and_days_units_and_openers_are_not(index):
    proposals = proposed_entities(index, TEXT, TITLE)
    assert proposals == [
        {
            "entity_type": "geography",
            "proposed_id": "harbin_tech_valley_park",
            "name": "Harbin Tech Valley Park",
            "level": "park",
            "first_seen_line": 8,
            "sentence": "On Monday Harbin Tech Valley Park announced 45 new tenants.",
        }
    ]
    assert "park" in {row["level"] for row in read_rows(SOURCES / "geography.csv")[1]}


def test_an_organisation_is_proposed_as_a_firm_and_a_person_after_a_title_is_not(index):
    text = (
        "The Bank of Harbin lent RMB 2 billion to the park, said President Zhao Minghui.\n"
        "Songhua Data Co., Ltd. opened an office in Dalian City, President Zhao Minghui added.\n"
    )
    proposals = proposed_entities(index, text, "")
    assert [(p["name"], p["entity_type"], p.get("firm_kind"), p["proposed_id"]) for p in proposals] == [
        ("Bank of Harbin", "firm", "bank", "bank_of_harbin"),
        ("Songhua Data Co., Ltd.", "firm", "company", "songhua_data"),
    ]


def test_a_catalogue_without_a_name_column_is_reported_at_its_file_and_line(tmp_path):
    for name in ("geography.csv", "firms.csv", "firm_aliases.csv", "indicators.csv"):
        (tmp_path / name).write_bytes((SOURCES / name).read_bytes())
    fields, rows = read_rows(tmp_path / "firm_aliases.csv")
    write_rows(tmp_path / "firm_aliases.csv", [f if f != "alias" else "aliases" for f in fields], [])
    with pytest.raises(CatalogueError, match=rf"^{re.escape(str(tmp_path / 'firm_aliases.csv'))}:1: no column 'alias'"):
        EntityIndex.load(tmp_path)
    write_rows(tmp_path / "firm_aliases.csv", fields, [rows[0], {**rows[1], "alias": " "}])
    with pytest.raises(CatalogueError, match=r"firm_aliases.csv:3: firm 'neusoft' has an empty name"):
        EntityIndex.load(tmp_path)


def test_five_megabytes_of_text_are_read_in_one_pass(index):
    paragraph = (
        "Dalian Software Park counted {n} tenants in 2015, and the city's software sales grew 12.5% to US$ 3.2 "
        "billion. Its exports to Japan reached {m} million yuan, while Neusoft Corporation hired {k} engineers in "
        "Shenyang. The company says Qiqihar Data Zone {z} will open on Monday; GDP rose 7%."
    )
    lines, size = ["Cold Coast Software Survey"], 0
    while size < 5_000_000:
        n = len(lines)
        lines.append(paragraph.format(n=n % 900, m=n % 77, k=n % 5000, z=n % 50) if n % 20 else f"## {n // 20}. Part")
        size += len(lines[-1]) + 1
    text = "\n".join(lines)
    last = context(text, "7%")
    started, cpu = time.perf_counter(), time.process_time()
    subjects = DocumentSubjects.build(index, "Cold Coast Software Survey", read_lines(text))
    proposals = proposed_entities(index, text, "Cold Coast Software Survey")
    suggestion = suggest_entity(index, subjects, last)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"\n{len(text):,} characters: subjects, proposals and a suggestion in {elapsed:.2f} s ({cpu:.2f} s of CPU)")
    assert subjects.document[0] == ("geography", "dalian_software_park")
    assert [p["name"] for p in proposals] == ["Qiqihar Data Zone"]
    assert suggestion.value == {"entity_type": "firm", "entity_id": "neusoft"}
    assert suggestion.via == "'The company' → paragraph subject"
