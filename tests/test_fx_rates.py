"""The exchange rates do not run out: every year 1990-2025 has the yuan and the yen in both series, carried from
the shared reference file as published, and a figure in a year without a rate is rejected with a message that
names the currency, the year, the series and where its rates come from."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, SOURCES, copy_sources, read_rows, write_rows
from test_ingest_bad_input import _edit, _first, _problems

YEARS = range(1990, 2026)
REFERENCE = PROJECT_ROOT.parent / "shared" / "reference" / "annual_fx_rates.csv"
FIGURES = Path("figures") / "dalian_paper_2013.csv"
WDI = (
    "series wdi (World Bank, World Development Indicators: Official exchange rate (LCU per US$, period average), "
    "PA.NUS.FCRF, https://data.worldbank.org/indicator/PA.NUS.FCRF): add the year's rate to sources/fx_rates.csv"
)


@pytest.fixture
def sources(tmp_path) -> Path:
    return copy_sources(tmp_path)


def _drop_rate(sources: Path, year: str, currency: str, series: str = "wdi") -> None:
    fields, rows = read_rows(sources / "fx_rates.csv")
    kept = [r for r in rows if (r["year"], r["currency"], r["series"]) != (year, currency, series)]
    assert len(kept) == len(rows) - 1
    write_rows(sources / "fx_rates.csv", fields, kept)


def test_every_year_has_both_currencies_in_both_series():
    _, rows = read_rows(SOURCES / "fx_rates.csv")
    have = {(int(r["year"]), r["currency"], r["series"]) for r in rows}
    wanted = {(y, c, s) for y in YEARS for c in ("CNY", "JPY") for s in ("wdi", "fred")}
    assert sorted(wanted - have) == []


@pytest.mark.skipif(not REFERENCE.exists(), reason="the shared reference folder is not beside this checkout")
def test_the_rates_are_the_reference_files_as_published():
    _, reference = read_rows(REFERENCE)
    published = {
        (r["year"], currency.upper(), series): r[f"{currency}_per_usd_{series}"]
        for r in reference
        for currency in ("cny", "jpy")
        for series in ("wdi", "fred")
    }
    _, rows = read_rows(SOURCES / "fx_rates.csv")
    assert {(r["year"], r["currency"], r["series"]): r["units_per_usd"] for r in rows} == published


@pytest.mark.parametrize(
    ("currency", "year", "missing"),
    # only the wdi row goes: the fred row of the same year stays, and does not stand in for it
    [
        ("CNY", "1997", "CNY"),  # the figure's own currency
        ("JPY", "2002", "JPY"),
        ("USD", "2009", "CNY"),  # every figure is also shown in yuan
    ],
)
def test_a_figure_in_a_year_without_a_rate_names_currency_year_series_and_origin(sources, currency, year, missing):
    _drop_rate(sources, year, missing)
    index = _first(sources / FIGURES, currency=currency, year=year, period_kind="year")
    figure_id = read_rows(sources / FIGURES)[1][index]["figure_id"]
    assert (
        f"sources/{FIGURES}:{index + 2}: {figure_id}: monetary figure in {currency}: no {missing} per US$ rate for "
        f"{year} in {WDI}" in _problems(sources)
    )


def test_the_message_says_where_the_rates_come_from_as_reference_origins_records_it(sources):
    path = sources / "reference_origins.csv"
    _edit(path, _first(path, series="wdi"), url="https://example.org/wdi-mirror")
    _drop_rate(sources, "1997", "CNY")
    problems = [p for p in _problems(sources) if "no CNY per US$ rate for 1997" in p]
    assert len(problems) == 1 and "PA.NUS.FCRF, https://example.org/wdi-mirror): add the year's rate" in problems[0]
