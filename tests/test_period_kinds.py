"""Half-years, quarters and targets through the warehouse: one short document (invented figures, no text) that
states a half-year, a quarter, a whole year and a target for a year after its publication. The ingest accepts
them, rejects a half-year dated on a day that ends none and a later year not marked a target, and the marts keep
each period apart (a half-year is never its whole year's fact) and the target out of the series of actuals."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import SOURCES, build, read_rows, write_rows
from orchestration.ingest.literals import parse_literal
from orchestration.ingest.validate import SourceValidationError, validate_sources

DOC = "harbour_notes_2012"
FIGURES = Path("figures") / f"{DOC}.csv"
# (figure id, literal, period columns, obs_status)
STATED = [
    ("hn_f001", "3.5 billion yuan", dict(period_kind="half", year="2011", as_of_date="2011-06-30"), "A"),
    ("hn_f002", "1.9 billion yuan", dict(period_kind="quarter", year="2011", as_of_date="2011-09-30"), "A"),
    ("hn_f003", "7.2 billion yuan", dict(period_kind="year", year="2011"), "A"),
    ("hn_f004", "12 billion yuan", dict(period_kind="year", year="2015"), "F"),
]


def _sources(root: Path) -> Path:
    """The catalogues and one document, with its figures and their mentions; no other document, register or pin."""
    sources = Path(
        shutil.copytree(
            SOURCES, root / "sources", ignore=shutil.ignore_patterns("figures", "mentions", "claims", "events")
        )
    )
    for folder in ("figures", "mentions", "claims", "events", "not_figures"):
        shutil.rmtree(sources / folder, ignore_errors=True)
        (sources / folder).mkdir()
    for table in ("firm_aliases", "preferred_figures", "reconciliation_register", "discrepancy_register"):
        fields, _ = read_rows(SOURCES / f"{table}.csv")
        write_rows(sources / f"{table}.csv", fields, [])
    fields, _ = read_rows(SOURCES / "documents.csv")
    document = dict(
        document_id=DOC, title="Harbour notes (test)", publisher="Harbour desk (test document)", year="2012",
        published="2012-06-01", kind="report",
    )  # fmt: skip
    write_rows(sources / "documents.csv", fields, [document])
    figures, mentions = [], []
    for paragraph, (figure_id, literal, period, status) in enumerate(STATED, 1):
        q = parse_literal(literal, "")
        figures.append(
            dict(
                figure_id=figure_id, document_id=DOC, section="Sales", paragraph=paragraph, entity_type="geography",
                entity_id="dalian", indicator_code="software_is_sales", measure="level", **period,
                stated_text=literal, unit_as_printed="billion yuan", value=q.value, decimals=q.decimals,
                scale=q.scale, unit=q.unit, currency=q.currency, comparator=q.comparator, obs_status=status,
                review_status="reviewed",
            )
        )  # fmt: skip
        mentions.append(
            dict(
                mention_id=f"{figure_id}_m1", figure_id=figure_id, document_id=DOC, section="Sales",
                paragraph=paragraph, occurrence=1, review_status="reviewed",
            )
        )  # fmt: skip
    for table, rows in (("figures", figures), ("mentions", mentions), ("claims", []), ("events", [])):
        fields, _ = read_rows(SOURCES / table / "dalian_paper_2013.csv")
        write_rows(sources / table / f"{DOC}.csv", fields, rows)
    return sources


def _edit(sources: Path, figure_id: str, **changes) -> int:
    """Change a figure's cells; return its line in the file."""
    fields, rows = read_rows(sources / FIGURES)
    index = next(i for i, row in enumerate(rows) if row["figure_id"] == figure_id)
    rows[index].update(changes)
    write_rows(sources / FIGURES, fields, rows)
    return index + 2


def _problems(sources: Path) -> list[str]:
    with pytest.raises(SourceValidationError) as info:
        validate_sources(sources)
    return [str(p) for p in info.value.problems]


def test_a_half_year_a_quarter_and_a_target_are_valid(tmp_path):
    validate_sources(_sources(tmp_path))


def test_a_half_year_or_quarter_must_end_on_its_last_day_and_a_later_year_is_a_target(tmp_path):
    sources = _sources(tmp_path)
    half = _edit(sources, "hn_f001", as_of_date="2011-05-31")
    quarter = _edit(sources, "hn_f002", as_of_date="2012-09-30")
    target = _edit(sources, "hn_f004", obs_status="A")
    problems = _problems(sources)
    at = f"sources/{FIGURES}"
    assert (
        f"{at}:{half}: hn_f001: period_kind half: as_of_date 2011-05-31 is not the last day of a half of 2011 "
        "(month-day 06-30 or 12-31)" in problems
    ), problems
    assert any(
        p.startswith(f"{at}:{quarter}: hn_f002: period_kind quarter: as_of_date 2012-09-30 is not the last day of")
        for p in problems
    ), problems
    assert (
        f"sources/{FIGURES}:{target}: hn_f004: year 2015 is after the document's publication (2012): a target or "
        "forecast, recorded with obs_status F" in problems
    ), problems


def test_a_target_needs_the_rate_of_its_documents_year(tmp_path):
    sources = _sources(tmp_path)
    fields, rates = read_rows(sources / "fx_rates.csv")
    write_rows(sources / "fx_rates.csv", fields, [r for r in rates if r["year"] != "2012"])
    line = _edit(sources, "hn_f004", currency="USD", unit="USD", stated_text="US$ 12 billion", unit_as_printed="")
    assert (
        f"sources/{FIGURES}:{line}: hn_f004: monetary figure in USD: no CNY per US$ rate for 2012 in series wdi "
        "(World Bank, World Development Indicators: Official exchange rate (LCU per US$, period average), "
        "PA.NUS.FCRF, https://data.worldbank.org/indicator/PA.NUS.FCRF): add the year's rate to sources/fx_rates.csv"
        in _problems(sources)
    )


def test_half_years_quarters_and_targets_reach_the_marts(tmp_path, monkeypatch):
    sources = _sources(tmp_path)
    texts = tmp_path / "texts"
    texts.mkdir()
    monkeypatch.setenv("DOCUMENTS_DIR", str(texts))
    result = build(monkeypatch, tmp_path, sources)
    assert result.success, [str(e.message) for e in result.all_events if e.is_failure]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        figures = {
            row[0]: row[1:]
            for row in con.execute(
                "select f.figure_id, f.period_kind, f.year, cast(f.as_of_date as varchar), o.period_key, "
                "f.obs_status, f.is_target from marts.figures as f "
                "join marts.fct_observation as o using (figure_id) where f.document_id = ?",
                [DOC],
            ).fetchall()
        }
        labels = dict(con.execute("select period_key, period_label from marts.dim_period").fetchall())
        series = con.execute(
            "select year, figure_id from marts.preferred_series where document_id = ? order by year", [DOC]
        ).fetchall()
        preferred = con.execute(
            "select figure_id, period_key from marts.preferred_figures where document_id = ? order by 1", [DOC]
        ).fetchall()
    assert figures == {
        "hn_f001": ("half", 2011, "2011-06-30", "2011-H1", "A", False),
        "hn_f002": ("quarter", 2011, "2011-09-30", "2011-Q3", "A", False),
        "hn_f003": ("year", 2011, None, "2011", "A", False),
        "hn_f004": ("year", 2015, None, "2015", "F", True),
    }
    assert labels["2011-H1"] == "first half of 2011" and labels["2011-Q3"] == "third quarter of 2011"
    # each period is a fact of its own; the target is none, and the series of whole years holds 2011 alone
    assert preferred == [("hn_f001", "2011-H1"), ("hn_f002", "2011-Q3"), ("hn_f003", "2011")]
    assert series == [(2011, "hn_f003")]


def test_a_targets_money_is_converted_at_its_documents_year(tmp_path, monkeypatch):
    """The 2015 target of the 2012 document is converted at 2012's rate, the one the document could know, in the
    figure and in its interval (what claims compare), though 2015 has a rate of its own."""
    sources = _sources(tmp_path)
    _, rates = read_rows(sources / "fx_rates.csv")
    wdi = {int(r["year"]): float(r["units_per_usd"]) for r in rates if (r["currency"], r["series"]) == ("CNY", "wdi")}
    assert wdi[2015] != wdi[2012]  # else the test could not tell the years apart
    texts = tmp_path / "texts"
    texts.mkdir()
    monkeypatch.setenv("DOCUMENTS_DIR", str(texts))
    result = build(monkeypatch, tmp_path, sources)
    assert result.success, [str(e.message) for e in result.all_events if e.is_failure]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        value, value_usd, value_cny, rate, interval_usd = con.execute(
            "select o.value, o.value_usd, o.value_cny, o.fx_cny_per_usd, i.usd_value from marts.fct_observation as o "
            "join intermediate.int_figure_intervals as i using (figure_id) where figure_id = 'hn_f004'"
        ).fetchone()
    assert (value, value_cny, rate) == (12e9, 12e9, wdi[2012])
    assert value_usd is not None and value_usd == pytest.approx(value / wdi[2012])
    assert interval_usd == pytest.approx(value_usd)
