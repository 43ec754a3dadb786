"""Open catalogues: documents of any kind users add, with or without authors, each with a structured origin
(publisher, address, dates, licence), and the exchange-rate series with theirs (sources/reference_origins.csv),
validated, carried to the marts, and keeping incremental runs incremental."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import PROJECT_ROOT, copy_sources, read_rows, write_rows
from orchestration.ingest.validate import validate_run, validate_sources
from test_ingest_bad_input import _edit, _problems

NEWS = {
    "document_id": "xinhua_news_2019",
    "file_name": "xinhua_news_2019.txt",
    "title": "Dalian's service outsourcing grows",
    "authors": "",
    "publisher": "Xinhua News Agency",
    "year": "2019",
    "published": "2019-03-01",
    "date_accessed": "2024-05-02",
    "venue": "",
    "kind": "news_article",
    "sha256": "0" * 64,
    "url": "https://www.example.org/news/1",
    "licence": "",
    "note": "",
}
NEW_LINE = 5  # the header and the three real documents come first


@pytest.fixture
def sources(tmp_path) -> Path:
    return copy_sources(tmp_path)


def _add_document(sources: Path, **changes) -> None:
    fields, rows = read_rows(sources / "documents.csv")
    write_rows(sources / "documents.csv", fields, [*rows, {**NEWS, **changes}])


def _documents_problems(sources: Path) -> list[str]:
    return [p for p in _problems(sources) if p.startswith("sources/documents.csv:")]


def test_a_news_item_without_authors_but_with_a_publisher_validates(sources):
    _add_document(sources)
    assert validate_sources(sources)["documents"] == 4


def test_a_document_with_neither_authors_nor_publisher_is_rejected(sources):
    _add_document(sources, publisher="")
    assert _documents_problems(sources) == [
        f"sources/documents.csv:{NEW_LINE}: neither authors nor publisher: a document without authors must name "
        "its publisher"
    ]


def test_an_unknown_kind_is_rejected_naming_the_allowed_kinds(sources):
    from orchestration.ingest.source_files import DOCUMENT_KINDS

    _add_document(sources, kind="podcast")
    assert _documents_problems(sources) == [
        f"sources/documents.csv:{NEW_LINE}: kind='podcast' is not one of {', '.join(DOCUMENT_KINDS)}"
    ]
    assert {
        "news_article",
        "government_release",
        "statistical_communique",
        "statistical_yearbook",
        "encyclopedia_entry",
        "web_page",
        "report",
        "blog_post",
        "discussion_paper",
        "journal_article",
        "conference_paper",
    } <= set(DOCUMENT_KINDS)


def test_origin_dates_and_addresses_are_checked(sources):
    _add_document(sources, date_accessed="2019-02-28", url="www.example.org")
    _edit(sources / "reference_origins.csv", 0, date_accessed="2024-13-01", url="ftp://example.org")
    problems = _problems(sources)
    assert [p for p in problems if p.startswith("sources/documents.csv:")] == [
        f"sources/documents.csv:{NEW_LINE}: date_accessed 2019-02-28 is before published 2019-03-01",
        f"sources/documents.csv:{NEW_LINE}: url='www.example.org' is not an http:// or https:// address",
    ]
    assert [p for p in problems if p.startswith("sources/reference_origins.csv:")] == [
        "sources/reference_origins.csv:2: date_accessed='2024-13-01' is not a valid date",
        "sources/reference_origins.csv:2: url='ftp://example.org' is not an http:// or https:// address",
    ]


def test_an_exchange_rate_series_without_an_origin_is_rejected(sources):
    fields, rows = read_rows(sources / "reference_origins.csv")
    write_rows(sources / "reference_origins.csv", fields, [r for r in rows if r["series"] != "fred"])
    _, rates = read_rows(sources / "fx_rates.csv")
    first_fred = next(i for i, r in enumerate(rates) if r["series"] == "fred") + 2
    assert _problems(sources) == [
        f"sources/fx_rates.csv:{first_fred}: series 'fred' has no origin in reference_origins.csv (a row with "
        "dataset fx_rates and series 'fred')"
    ]


def test_no_model_copies_a_list_of_allowed_values_the_project_declares():
    """The values a column may take are declared once (dbt_project.yml vars), read by the validator and by dbt's
    accepted_values tests; a literal copy in a model's yml could drift from what the validator admits."""
    declared = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "dbt_project.yml").read_text())["vars"]
    lists = {name: set(values) for name, values in declared.items() if isinstance(values, list)}
    copies, reads = [], set()
    for path in sorted(
        p for folder in ("models", "seeds") for p in (PROJECT_ROOT / "dbt_project" / folder).rglob("*.yml")
    ):
        text = path.read_text()
        reads |= {name for name in lists if f"var('{name}')" in text}
        for node in yaml.safe_load(text).get("models", []) + yaml.safe_load(text).get("seeds", []):
            for column in node.get("columns", []):
                for test in column.get("data_tests", []):
                    values = (
                        test.get("accepted_values", {}).get("arguments", {}).get("values")
                        if isinstance(test, dict)
                        else None
                    )
                    if isinstance(values, list) and set(values) in lists.values():
                        copies.append(f"{path.name}: {node['name']}.{column['name']}")
    assert copies == []
    from orchestration.ingest.source_files import DOCUMENT_KINDS

    assert list(DOCUMENT_KINDS) == declared["document_kinds"] and "document_kinds" in reads


def test_an_edited_origin_keeps_the_run_incremental(sources, built_warehouse, tmp_path):
    baseline = Path(shutil.copy(built_warehouse, tmp_path / "baseline.duckdb"))
    _edit(sources / "reference_origins.csv", 0, licence="CC BY 4.0", date_accessed="2024-05-02")
    plan, read = validate_run(sources, None, baseline)
    assert (plan.mode, plan.documents, read["figures"]) == ("incremental", frozenset(), 0)
    assert plan.reason == "catalogues changed: reference_origins"
    assert plan.changed_sources == {"reference_origins"}, "dbt rebuilds what reads it, nothing else"
    # a document's new origin columns re-check that document, as its other columns do
    fields, rows = read_rows(sources / "documents.csv")
    next(r for r in rows if r["document_id"] == "ningbo_paper")["date_accessed"] = "2024-05-02"
    write_rows(sources / "documents.csv", fields, rows)
    plan, _ = validate_run(sources, None, baseline)
    assert (plan.mode, plan.documents) == ("incremental", frozenset({"ningbo_paper"}))


def test_the_marts_expose_the_origins(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        origins = con.execute(
            "select series, producer, url, accessed_on, licence, currencies, first_year, last_year "
            "from marts.dim_reference_origin order by series"
        ).fetchall()
        dalian_paper = con.execute(
            "select authors, publisher, published_on, accessed_on, url, licence "
            "from marts.dim_document where document_id = 'dalian_paper_2013'"
        ).fetchone()
    assert origins == [
        (
            "fred",
            "Federal Reserve Bank of St. Louis (FRED), from the Federal Reserve H.10 release",
            "https://fred.stlouisfed.org/series/AEXCHUS; https://fred.stlouisfed.org/series/AEXJPUS",
            None,
            None,
            "CNY; JPY",
            1990,
            2025,
        ),
        ("wdi", "World Bank", "https://data.worldbank.org/indicator/PA.NUS.FCRF", None, None, "CNY; JPY", 1990, 2025),
    ]
    assert dalian_paper == (
        "Yan Zhang; Nozomu Kawabata",
        "Graduate School of Economics and Management, Tohoku University",
        None,
        None,
        None,
        None,
    )
