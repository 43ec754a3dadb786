"""Every number accounted for, through the real job: the three documents reach 100% in marts.document_coverage,
a number nothing accounts for stops the publish naming its file, line and literal, and a document without a text
loads with null coverage and the reason."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

from conftest import SHARED_SEEDS, build, check_results, copy_sources, read_rows, write_rows

DOCUMENTS = {"dalian_blog_2009", "dalian_paper_2013", "ningbo_paper"}


def _coverage(warehouse: Path) -> dict[str, tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            row[0]: row[1:]
            for row in con.execute(
                "select document_id, numbers_in_text, recorded + ignored, unaccounted, coverage_pct, coverage_note "
                "from marts.document_coverage"
            ).fetchall()
        }


def test_the_three_documents_account_for_every_number(built_warehouse, monkeypatch):
    assert SHARED_SEEDS.is_dir(), "the session build reads the texts from ../shared/seeds"
    coverage = _coverage(built_warehouse)
    assert set(coverage) == DOCUMENTS
    for document, (numbers, accounted, unaccounted, pct, note) in coverage.items():
        assert numbers > 0 and accounted == numbers and unaccounted == 0, document
        assert (float(pct), note) == (100.0, None), document
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.unaccounted_numbers").fetchone()[0] == 0


def test_an_unaccounted_number_stops_the_publish_naming_its_line(unaccounted_run):
    result, published, before = unaccounted_run
    assert not result.success
    assert check_results(result)["document_coverage"] is False
    [evaluation] = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == "document_coverage"
    ]
    problems = evaluation.description.splitlines()[1:]
    assert problems == [
        "002_23aeadf0344d4dc6.txt:99: '19' in 3.1. The Impact Mechanism: Trade Circulation "
        "Theory (paragraph 3) — not recorded, not ignored"
    ]
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before, "nothing was published"


def test_a_document_without_a_text_loads_with_null_coverage(tmp_path, monkeypatch):
    sources = copy_sources(tmp_path)
    fields, rows = read_rows(sources / "documents.csv")
    for row in rows:
        if row["document_id"] == "dalian_blog_2009":
            row["file_name"] = row["sha256"] = ""
    write_rows(sources / "documents.csv", fields, rows)
    monkeypatch.setenv("DOCUMENTS_DIR", str(SHARED_SEEDS))

    result = build(monkeypatch, tmp_path, sources)
    assert result.success
    assert check_results(result)["document_coverage"] is True
    coverage = _coverage(tmp_path / "warehouse.duckdb")
    assert coverage["dalian_blog_2009"] == (
        None,
        None,
        None,
        None,
        "documents.csv names no text file for this document: its figures load without a text to check them against",
    )
    assert all(coverage[d][2] == 0 and float(coverage[d][3]) == 100.0 for d in DOCUMENTS - {"dalian_blog_2009"})


def test_a_stale_not_figures_entry_is_a_problem_at_its_line(tmp_path):
    from orchestration.ingest.validate import SourceValidationError, validate_sources

    sources = copy_sources(tmp_path)
    path = sources / "not_figures" / "ningbo_paper.csv"
    fields, rows = read_rows(path)
    write_rows(
        path,
        fields,
        [
            *rows,
            {
                "document_id": "ningbo_paper",
                "section": "",
                "paragraph": "",
                "printed": "Table 99",
                "reason": "printed nowhere",
                "review_status": "reviewed",
            },
        ],
    )
    try:
        validate_sources(sources, SHARED_SEEDS)
    except SourceValidationError as exc:
        problems = [(p.file, p.line, p.reason) for p in exc.problems]
    else:
        problems = []
    assert problems == [
        (
            "sources/not_figures/ningbo_paper.csv",
            len(rows) + 2,
            "not a figure 'Table 99': accounts for no number of the whole text that is not already "
            "accounted for (a stale entry: remove it)",
        )
    ]
