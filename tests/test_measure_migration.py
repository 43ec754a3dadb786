"""Issue 13, point 2, "no indicator explosion": a growth rate, share, multiple or rank of an indicator is that
indicator with a measure (sources/measures.csv), not an indicator code of its own.

The migration keeps every figure and every claim verdict (compared with the warehouse built before it, exported
in tests/fixtures/measure_migration/ by tests/measure_migration.py), and a second document stating a growth rate
of an existing indicator needs no new code: it lands on the (indicator, measure) the first document's does.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb

from conftest import SHARED_SEEDS, SOURCES, copy_sources, read_rows, write_rows
from measure_migration import CLAIMS, FIGURES, read, rows
from orchestration.ingest.load import load_all
from orchestration.ingest.validate import validate_build
from test_ingest_bad_input import _edit, _first, _problems

FIGURES_CSV = Path("figures") / "ningbo_paper.csv"


def _mapping() -> dict[str, tuple[str, str]]:
    return {r["old_indicator_code"]: (r["indicator_code"], r["measure"]) for r in read("mapping.csv")}


def test_every_figure_is_kept_with_its_values_and_its_mapped_indicator_and_measure(built_warehouse):
    before = {r["figure_id"]: r for r in read("figures_before.csv")}
    after = {r["figure_id"]: r for r in rows(built_warehouse, FIGURES)}
    measured = {
        r["figure_id"]: (r["indicator_code"], r["measure"])
        for r in rows(built_warehouse, "select figure_id, indicator_code, measure from marts.figures")
    }
    assert len(before) == 171
    # figures recorded after the migration are extra: every one of the 171 is kept, none is lost
    assert before.keys() <= after.keys() == measured.keys()
    mapping = _mapping()
    for figure_id, old in before.items():
        new = after[figure_id]
        assert {k: v for k, v in new.items() if k != "indicator_code"} == {
            k: v for k, v in old.items() if k != "indicator_code"
        }, figure_id
        assert measured[figure_id] == mapping[old["indicator_code"]], figure_id


def test_every_claim_keeps_its_verdict_and_diagnosis(built_warehouse):
    assert rows(built_warehouse, CLAIMS) == read("claims_before.csv")


def test_the_transformed_codes_are_gone_from_the_catalogue():
    _, indicators = read_rows(SOURCES / "indicators.csv")
    _, measures = read_rows(SOURCES / "measures.csv")
    codes = {r["indicator_code"] for r in indicators}
    retired = {old for old, (code, _) in _mapping().items() if code != old}
    assert len(retired) == 21 and not retired & codes
    mapped = {code for code, _ in _mapping().values()}
    assert mapped <= codes, "no indicator of the migration is missing"
    # an indicator added after the migration is used by a figure recorded after it (not in the fixture)
    before = {r["figure_id"] for r in read("figures_before.csv")}
    later = {
        r["indicator_code"]
        for path in (SOURCES / "figures").glob("*.csv")
        for r in read_rows(path)[1]
        if r["figure_id"] not in before
    }
    assert codes - mapped <= later, "every indicator is used"
    assert {measure for _, measure in _mapping().values()} <= {r["measure"] for r in measures}
    # the indicator catalogue no longer holds growth rates or ranks: those are measures
    assert not [r["indicator_code"] for r in indicators if r["unit_kind"] in ("growth", "rank")]


def test_a_figure_naming_an_unknown_measure_is_rejected_with_file_and_line(tmp_path):
    sources = copy_sources(tmp_path)
    index = _first(sources / FIGURES_CSV, figure_id="ningbo_f010")
    _edit(sources / FIGURES_CSV, index, measure="yoy")
    problems = _problems(sources)
    assert f"sources/{FIGURES_CSV}:{index + 2}: unknown measure 'yoy' (not in measures.csv)" in problems, problems


def test_a_figure_unit_must_be_its_measure_s_or_else_its_indicator_s(tmp_path):
    sources = copy_sources(tmp_path)
    growth = _first(sources / FIGURES_CSV, figure_id="ningbo_f010")  # offshore realization, growth_pct, percent
    _edit(sources / FIGURES_CSV, growth, unit="times")
    multiple = _first(sources / FIGURES_CSV, measure="multiple", indicator_code="outsourcing_enterprises")
    _edit(sources / FIGURES_CSV, multiple, unit="firms")
    level = _first(sources / FIGURES_CSV, measure="level", indicator_code="outsourcing_enterprises")
    _edit(sources / FIGURES_CSV, level, unit="percent")
    problems = [p.split(": ", 1)[1] for p in _problems(sources) if p.startswith(f"sources/{FIGURES_CSV}:")]
    assert "ningbo_f010: unit 'times' is not the unit of measure 'growth_pct' ('percent')" in problems, problems
    assert any("unit 'firms' is not the unit of measure 'multiple' ('times')" in p for p in problems), problems
    assert any(
        "unit 'percent' is not the unit of indicator 'outsourcing_enterprises' ('firms')" in p for p in problems
    ), problems


def test_a_measure_gives_its_unit_kind_and_unit_together(tmp_path):
    sources = copy_sources(tmp_path)
    _edit(sources / "measures.csv", _first(sources / "measures.csv", measure="rank"), unit="")
    problems = _problems(sources)
    assert any(
        p.startswith("sources/measures.csv:") and "unit_kind and unit are given together" in p for p in problems
    ), problems


# A second document, written for this test, that states the growth of Ningbo's offshore outsourcing in 2013 as
# ningbo_paper's Table 1 does (47.10): it needs no new indicator code, and both land on one (indicator, measure).
NOTE_TEXT = (
    "Test note on Ningbo.\n\nBy our reading of the city's statistics, the offshore service outsourcing "
    "carried out by Ningbo enterprises in 2013 rose by 47.1% compared with 2012.\n"
)


def _add_note(sources: Path, texts: Path) -> None:
    (texts / "measure_note.txt").write_text(NOTE_TEXT, encoding="utf-8")
    fields, documents = read_rows(sources / "documents.csv")
    documents.append(
        {
            **{f: "" for f in fields},
            "document_id": "measure_note",
            "file_name": "measure_note.txt",
            "title": "Test note on Ningbo",
            "publisher": "The warehouse's tests",
            "year": "2020",
            "kind": "report",
            "sha256": hashlib.sha256(NOTE_TEXT.encode()).hexdigest(),
        }
    )
    write_rows(sources / "documents.csv", fields, documents)
    fields, _ = read_rows(sources / FIGURES_CSV)
    write_rows(
        sources / "figures" / "measure_note.csv",
        fields,
        [
            {
                **{f: "" for f in fields},
                "figure_id": "note_f001",
                "document_id": "measure_note",
                "section": "Title page",
                "paragraph": "2",
                "entity_type": "geography",
                "entity_id": "ningbo",
                "indicator_code": "offshore_outsourcing_realization",
                "measure": "growth_pct",
                "period_kind": "year",
                "year": "2013",
                "stated_text": "47.1%",
                "unit_as_printed": "%",
                "value": "47.1",
                "decimals": "1",
                "scale": "0",
                "unit": "percent",
                "comparator": "eq",
                "obs_status": "A",
                "review_status": "reviewed",
            }
        ],
    )
    fields, _ = read_rows(sources / "mentions" / "ningbo_paper.csv")
    write_rows(
        sources / "mentions" / "measure_note.csv",
        fields,
        [
            {
                **{f: "" for f in fields},
                "mention_id": "note_f001_m1",
                "figure_id": "note_f001",
                "document_id": "measure_note",
                "section": "Title page",
                "paragraph": "2",
                "occurrence": "1",
                "review_status": "reviewed",
            }
        ],
    )


def test_two_documents_stating_one_growth_rate_land_on_one_indicator_and_measure(tmp_path):
    sources = copy_sources(tmp_path)
    texts = Path(shutil.copytree(SHARED_SEEDS, tmp_path / "texts"))
    _add_note(sources, texts)
    _, indicators = read_rows(sources / "indicators.csv")
    with validate_build(sources, texts) as validation:  # accepted, with no indicator added
        assert read_rows(sources / "indicators.csv")[1] == indicators
        load_all(validation, tmp_path / "warehouse.duckdb")
        stated = validation.con.execute("""
            select document_id, indicator_code, measure, value from raw.figures
            where entity_id = 'ningbo' and year = 2013 and measure = 'growth_pct'
            order by document_id""").fetchall()
    assert [(d, code, m, float(v)) for d, code, m, v in stated] == [
        ("measure_note", "offshore_outsourcing_realization", "growth_pct", 47.1),
        ("ningbo_paper", "offshore_outsourcing_realization", "growth_pct", 47.1),
    ]


def test_dim_measure_is_the_catalogue(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        built = con.execute("select measure, unit from marts.dim_measure order by measure").fetchall()
        unknown = con.execute(
            "select count(*) from marts.figures left join marts.dim_measure using (measure) "
            "where dim_measure.measure is null"
        ).fetchone()[0]
    _, catalogue = read_rows(SOURCES / "measures.csv")
    assert built == sorted((r["measure"], r["unit"] or None) for r in catalogue)
    assert unknown == 0
