"""Series plausibility (marts.preferred_series): the implied growth between consecutive points of a series, whichever
documents state them, and the flag 'possible scale slip ×10^k' on the point whose change against its neighbours,
or against a related indicator of the same year, is near a power of ten beyond what the series' own growth allows.

Three short documents written for these tests, in our own words with invented figures (a yearbook, a newsletter
and a brief), are built beside the cross-document corpus (tests/cross_document_corpus.py) by the real pipeline:
one series across two documents with consecutive years, one with a ten-times slip in the middle, one whose slip
shows only across two documents, and contracts printed ten times the amount executed."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import duckdb
import pytest

from conftest import SOURCES, build, read_rows, write_rows
from cross_document_corpus import write_corpus
from orchestration.ingest.literals import parse_literal
from orchestration.report.charts import SCALE_SLIP

YEARBOOK, NEWSLETTER, BRIEF = "coastal_yearbook_2017", "coastal_newsletter_2017", "offshore_brief_2018"

DOCUMENTS = {
    YEARBOOK: dict(
        kind="statistical_yearbook",
        publisher="Coastal Statistics Bureau (test document)",
        title="Coastal cities software yearbook (test)",
        published="2018-02-01",
        sections={
            "Guangzhou": [
                "Guangzhou's software and information services firms sold over 30 billion yuan in 2012 and "
                "42.0 billion yuan in 2013."
            ],
            "Beijing": [
                "Software sales in Beijing came to 20.0 billion yuan in 2010, 23.0 billion yuan in 2011, "
                "260 billion yuan in 2012, 29.5 billion yuan in 2013 and 33.0 billion yuan in 2014."
            ],
            "Shanghai": ["Shanghai's software exports were worth 7.5 billion yuan in 2015."],
            "Clients": [
                "Outsourcing work the city carried out for Japanese clients amounted to US$ 310 million in 2016 and "
                "US$ 350 million in 2017."
            ],
        },
    ),
    NEWSLETTER: dict(
        kind="news_article",
        publisher="Pearl River Software Letter (test document)",
        title="Guangzhou software notes (test)",
        published="2017-09-01",
        sections={
            "Guangzhou notes": [
                "Local software sales climbed to 46.2 billion yuan in 2014 and to 55.9 billion yuan in 2016."
            ]
        },
    ),
    BRIEF: dict(
        kind="report",
        publisher="Offshore Desk (test document)",
        title="Offshore outsourcing brief (test)",
        published="2018-03-01",
        sections={
            "Exports": ["Shanghai exported software for US$ 13.5 billion in 2016."],
            "Contracts": ["Contracts signed with Japanese clients in 2017 reached US$ 4.2 billion."],
        },
    ),
}

# (figure id, document, literal, section, entity, indicator, year): every figure a level of one year
FIGURES = [
    ("cy_f001", YEARBOOK, "over 30 billion yuan", "Guangzhou", "guangzhou", "software_is_sales", 2012),
    ("cy_f002", YEARBOOK, "42.0 billion yuan", "Guangzhou", "guangzhou", "software_is_sales", 2013),
    ("cy_f003", YEARBOOK, "20.0 billion yuan", "Beijing", "beijing", "software_is_sales", 2010),
    ("cy_f004", YEARBOOK, "23.0 billion yuan", "Beijing", "beijing", "software_is_sales", 2011),
    ("cy_f005", YEARBOOK, "260 billion yuan", "Beijing", "beijing", "software_is_sales", 2012),
    ("cy_f006", YEARBOOK, "29.5 billion yuan", "Beijing", "beijing", "software_is_sales", 2013),
    ("cy_f007", YEARBOOK, "33.0 billion yuan", "Beijing", "beijing", "software_is_sales", 2014),
    ("cy_f008", YEARBOOK, "7.5 billion yuan", "Shanghai", "shanghai", "software_is_exports", 2015),
    ("cy_f009", YEARBOOK, "US$ 310 million", "Clients", "japan", "offshore_outsourcing_from_source", 2016),
    ("cy_f010", YEARBOOK, "US$ 350 million", "Clients", "japan", "offshore_outsourcing_from_source", 2017),
    ("cn_f001", NEWSLETTER, "46.2 billion yuan", "Guangzhou notes", "guangzhou", "software_is_sales", 2014),
    ("cn_f002", NEWSLETTER, "55.9 billion yuan", "Guangzhou notes", "guangzhou", "software_is_sales", 2016),
    ("ob_f001", BRIEF, "US$ 13.5 billion", "Exports", "shanghai", "software_is_exports", 2016),
    ("ob_f002", BRIEF, "US$ 4.2 billion", "Contracts", "japan", "offshore_contracts_from_source", 2017),
]

# the slipped literals, each as it should have been printed
UNSLIPPED = {"260 billion yuan": "26.0 billion yuan", "US$ 13.5 billion": "US$ 1.35 billion",
             "US$ 4.2 billion": "US$ 420 million"}  # fmt: skip


def _text(document: str, replace: dict[str, str]) -> str:
    spec = DOCUMENTS[document]
    lines = [f"# {spec['title']}", ""]
    for section, paragraphs in spec["sections"].items():
        lines += [f"## {section}", "", *(line for p in paragraphs for line in (p, ""))]
    text = "\n".join(lines)
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def _unit_words(literal: str) -> str:
    words = re.sub(r"^over\s+", "", literal)
    return re.sub(r"\s*\d[\d.,]*\s*", " ", words).strip()


def write_documents(root: Path, replace: dict[str, str]) -> tuple[Path, Path]:
    """The cross-document corpus and, beside it, this module's documents, with `replace` printed instead of
    each literal it names."""
    sources, texts = write_corpus(root)
    fields, documents = read_rows(sources / "documents.csv")
    for document, spec in DOCUMENTS.items():
        text = _text(document, replace)
        (texts / f"{document}.txt").write_text(text, encoding="utf-8")
        documents.append(
            dict(
                document_id=document, file_name=f"{document}.txt", title=spec["title"], publisher=spec["publisher"],
                year=spec["published"][:4], published=spec["published"], kind=spec["kind"],
                sha256=hashlib.sha256(text.encode()).hexdigest(),
            )
        )  # fmt: skip
    write_rows(sources / "documents.csv", fields, documents)
    for table in ("figures", "mentions", "claims", "events"):
        header, _ = read_rows(SOURCES / table / "dalian_paper_2013.csv")
        for document in DOCUMENTS:
            rows = [_row(table, f, replace) for f in FIGURES if f[1] == document and table in ("figures", "mentions")]
            write_rows(sources / table / f"{document}.csv", header, rows)
    return sources, texts


def _row(table: str, figure: tuple, replace: dict[str, str]) -> dict:
    figure_id, document, literal, section, entity, indicator, year = figure
    if table == "mentions":
        return dict(mention_id=f"{figure_id}_m1", figure_id=figure_id, document_id=document, section=section,
                    paragraph=1, occurrence=1, review_status="reviewed")  # fmt: skip
    literal = replace.get(literal, literal)
    q = parse_literal(literal, "")
    return dict(
        figure_id=figure_id, document_id=document, section=section, paragraph=1, entity_type="geography",
        entity_id=entity, indicator_code=indicator, measure="level", period_kind="year", year=year,
        stated_text=literal, unit_as_printed=_unit_words(literal), value=q.value, decimals=q.decimals, scale=q.scale,
        unit=q.unit, currency=q.currency or "", comparator=q.comparator, obs_status="A", review_status="reviewed",
    )  # fmt: skip


def _build(tmp_path_factory, name: str, replace: dict[str, str]) -> Path:
    workdir = tmp_path_factory.mktemp(name)
    sources, texts = write_documents(workdir / "in", replace)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCUMENTS_DIR", str(texts))
        result = build(mp, workdir, sources)
    assert result.success, [str(e.message) for e in result.all_events if e.is_failure]
    return workdir / "warehouse.duckdb"


@pytest.fixture(scope="module")
def slipped(tmp_path_factory) -> Path:
    return _build(tmp_path_factory, "slipped", {})


@pytest.fixture(scope="module")
def unslipped(tmp_path_factory) -> Path:
    """The same documents with each slipped figure printed as it should have been."""
    return _build(tmp_path_factory, "unslipped", UNSLIPPED)


def _series(warehouse: Path) -> dict[str, tuple]:
    """Every point of the preferred series by figure: (year, previous year, implied growth, flag, evidence)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select figure_id, year, previous_year, implied_growth_pct, plausibility_flag, plausibility_evidence "
            "from marts.preferred_series"
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def _flags(warehouse: Path) -> dict[str, str]:
    """The flags on this module's figures (the cross-document corpus beside them is another module's to check)."""
    series = _series(warehouse)
    assert [f for f, point in series.items() if (point[3] is None) != (point[4] is None)] == [], "evidence: flags only"
    return {figure: series[figure][3] for figure, *_ in FIGURES if series[figure][3] is not None}


def test_implied_growth_across_two_documents(slipped):
    series = _series(slipped)
    # the yearbook's 2013 and the newsletter's 2014, consecutive years of one series
    assert series["cn_f001"][:3] == (2014, 2013, pytest.approx(10.0))
    # two years between the newsletter's points: the average annual growth, not the whole change
    assert series["cn_f002"][:3] == (2016, 2014, pytest.approx(10.0))
    # a bound has no value to grow from, and the first point none to grow from either
    assert series["cy_f002"][1:3] == (2012, None)
    assert series["cy_f001"][1:3] == (None, None)
    # money in two currencies is compared in yuan, each at its year's rate
    with duckdb.connect(str(slipped), read_only=True) as con:
        (rate,) = con.execute("select fx_cny_per_usd from marts.figures where figure_id = 'ob_f001'").fetchone()
    assert series["ob_f001"][2] == pytest.approx((13.5e9 * rate / 7.5e9 - 1) * 100, abs=0.005)


def test_each_slip_is_flagged_on_the_slipped_figure_only(slipped):
    flags = _flags(slipped)
    assert flags == {
        "cy_f005": "possible scale slip ×10^1",  # ten times both its neighbours, in the middle of its series
        "ob_f001": "possible scale slip ×10^1",  # the brief's 2016 against the yearbook's 2015 (an end point)
        "ob_f002": "possible scale slip ×10^1",  # contracts ten times the amount executed that year
    }
    series = _series(slipped)
    middle = series["cy_f005"][4]
    assert "11.3 times 2011's 23.0 billion yuan (coastal_yearbook_2017)" in middle, middle
    assert "8.81 times 2013's 29.5 billion yuan (coastal_yearbook_2017)" in middle, middle
    assert "the series otherwise changes +13.4% a year (the median of its 2 other consecutive changes)" in middle
    end = series["ob_f001"][4]
    assert "2015's 7.5 billion yuan (coastal_yearbook_2017), compared in yuan" in end, end
    related = series["ob_f002"][4]
    assert "12 times offshore_outsourcing_from_source of the same year, US$ 350 million (coastal_yearbook_2017)" in (
        related
    ), related
    assert "contracts_vs_exec" in related and "its own series confirms that figure" in related


def test_the_same_series_without_the_slips_has_no_flag(unslipped):
    # the mutation: each slipped figure printed as it should have been, and its flag is gone
    assert _flags(unslipped) == {}
    assert _series(unslipped)["cy_f005"][2] == pytest.approx((26.0 / 23.0 - 1) * 100, abs=0.005)


def test_the_series_page_marks_the_slipped_point_on_its_chart_and_in_its_row(slipped):
    page = (slipped.parent / "data" / "report" / "series" / "beijing.software_is_sales.level.html").read_text(
        encoding="utf-8"
    )
    traces, _ = json.JSONDecoder().raw_decode(page[page.index("[", page.index("Plotly.newPlot(")) :])
    marked = [t for t in traces if t["name"] == SCALE_SLIP]
    assert [t["customdata"] for t in marked] == [["cy_f005"]]
    assert marked[0]["hovertext"][0].startswith("cy_f005: possible scale slip ×10^1<br>11.3 times 2011's")
    preferred = page[page.index("<h2>Preferred values</h2>") :]
    rows = {
        year: (marker, cells)
        for marker, year, cells in re.findall(r"<tr( class=\"slip\")?><td>(\d{4})</td>(.*?)</tr>", preferred, re.S)
    }
    assert {year for year, (marker, _) in rows.items() if marker} == {"2012"}
    assert "possible scale slip ×10^1</span> 11.3 times 2011&#39;s 23.0 billion yuan" in rows["2012"][1]
    assert "+15.00% since 2010" in rows["2011"][1] and "since" not in rows["2010"][1]
