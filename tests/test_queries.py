"""Every example query in queries/ runs against a built warehouse and gives the answer the documents support."""

from __future__ import annotations

import subprocess

import duckdb
import pytest

from conftest import PROJECT_ROOT

QUERIES = PROJECT_ROOT / "queries"


def run(warehouse, name):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute((QUERIES / f"{name}.sql").read_text())
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def test_every_query_is_tested():
    tested = {name for name in globals() if name.startswith("test_")}
    for path in QUERIES.glob("*.sql"):
        assert f"test_{path.stem}" in tested, f"{path.name} has no test"


def test_dalian_software_sales_usd(built_warehouse):
    rows = run(built_warehouse, "dalian_software_sales_usd")
    by_year = {r["year"]: r for r in rows}
    assert by_year[1998]["comparator"] == "gt"
    # at the significant digits printed: "over 200 million yuan" has three, "40.27 billion yuan" four
    assert by_year[1998]["value_usd"] == 24_200_000 == round(200e6 / 8.2790, -5)
    assert by_year[2009]["value_usd"] == 5_895_000_000 == round(40.27e9 / 6.8314, -6)
    assert by_year[2010]["stated_text"] == "53.5 billion yuan"
    assert all(r["document_id"] == "dalian_paper_2013" and r["locator"] for r in rows)


def test_china_share_of_japan_offshore_orders(built_warehouse):
    rows = run(built_warehouse, "china_share_of_japan_offshore_orders")
    assert [(r["year"], r["china_share_pct"]) for r in rows] == [(2002, 48.3), (2008, 55.9)]


def test_wage_gaps(built_warehouse):
    rows = run(built_warehouse, "wage_gaps")
    engineer = [r for r in rows if r["indicator_code"] == "software_engineer_annual_salary"]
    assert [(r["lower_paid"], r["compared_with"], r["pay_ratio"]) for r in engineer] == [("China", "Japan", 3.33)]
    it_wages = {
        (r["lower_paid"], r["compared_with"]): r["pay_ratio"]
        for r in rows
        if r["indicator_code"] == "it_average_annual_wage"
    }
    assert it_wages[("Liaoning Province", "Shanghai")] == 2.10
    assert it_wages[("Liaoning Province", "Beijing")] == 2.06


def test_firm_by_any_name(built_warehouse):
    rows = run(built_warehouse, "firm_by_any_name")
    assert {r["canonical_name"] for r in rows} == {"HiSoft Technology International Limited"}
    assert ("firm_sales", 2010, "148.88 million dollars") in {
        (r["indicator_code"], r["year"], r["stated_text"]) for r in rows
    }


def test_marts_figures_finds_a_firm_by_any_of_its_names(built_warehouse):
    """DHC is printed as DHC; its full name, Dalian Hi-Think Computer Technology, is one of its aliases."""
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        found = con.execute(
            "select distinct entity_id, entity_name, entity_canonical_name from marts.figures "
            "where entity_aliases ilike '%hi-think%'"
        ).fetchall()
        by_name = con.execute("select count(*) from marts.figures where entity_name ilike '%hi-think%'").fetchone()
    assert found == [("dhc", "DHC", "Dalian Hi-Think Computer Technology, Corp.")]
    assert by_name == (0,), "the short name alone does not find it: the aliases column is what does"


def test_discrepancies(built_warehouse):
    rows = run(built_warehouse, "discrepancies")
    assert rows, "the documents contain inconsistencies the checks must find"
    assert all(r["verdict"] in ("inconsistent", "gross_inconsistency") for r in rows)
    by_claim = {r["claim_id"]: r for r in rows}
    # the recomputed value in the printed units, one digit finer than printed: 16.45 -> 20.07 is 22.006%, not
    # the 24.70% Table 1 prints; ITO + BPO + KPO of 2012 make 5.320 (10^8 US$), not the 4.10 printed
    assert (by_claim["ningbo_c009"]["printed"], by_claim["ningbo_c009"]["recomputed"]) == ("24.70", 22.006)
    assert (by_claim["ningbo_c033"]["printed"], by_claim["ningbo_c033"]["recomputed"]) == ("4.10", 5.32)
    assert by_claim["ningbo_c047"]["printed"] == "RMB 29,085 billion"


def test_discrepancies_fit_a_terminal(built_warehouse):
    """The duckdb CLI's own table, as an analyst sees it, at most 120 characters wide."""
    cli = PROJECT_ROOT / ".venv" / "bin" / "duckdb"
    shown = subprocess.run(
        [str(cli), "-readonly", "-box", str(built_warehouse)],
        input=(QUERIES / "discrepancies.sql").read_text(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert len(lines) > 5 and "ningbo_c009" in shown.stdout
    assert max(len(line) for line in lines) <= 120, max(lines, key=len)


def test_analyst_views_read_as_printed_with_the_exact_values_beside(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        marked = con.execute(
            "select count(*) from marts.figures where regexp_matches(stated_text, '[\\\\<>]')"
        ).fetchone()[0]
        plain = con.execute(
            "select stated_text, stated_text_as_printed, value_usd, value_usd_exact from marts.figures "
            "where figure_id in (select figure_id from marts.figures where stated_text_as_printed like 'US\\$%')"
        ).fetchall()
        exact_differs = con.execute(
            "select count(*) filter (where value_usd <> value_usd_exact), count(*) filter (where value <> value_exact) "
            "from marts.figures"
        ).fetchone()
        series = con.execute(
            "select value_usd, value_usd_exact from marts.preferred_series "
            "where entity_id = 'dalian' and indicator_code = 'software_is_sales' and year = 2009 and measure = 'level'"
        ).fetchone()
    assert marked == 0, "no markup escape or tag in the analyst view's stated_text"
    assert ("US$ 2.007 billion", "US\\$ 2.007 billion", 2_007_000_000.0, 2_007_000_000.0) in plain
    assert exact_differs[0] > 0, "conversions are rounded; their exact values differ"
    assert exact_differs[1] == 0, "a value in its printed currency is exactly what was printed"
    assert series == (5_895_000_000, pytest.approx(40.27e9 / 6.8314))


def test_dalian_timeline(built_warehouse):
    rows = run(built_warehouse, "dalian_timeline")
    years = [r["year"] for r in rows]
    assert years == sorted(years)
    assert any(r["entity_name"] == "hiSoft" and r["event_kind"] == "listed" and r["year"] == 2010 for r in rows)


def test_dalian_and_ningbo_in_usd(built_warehouse):
    rows = run(built_warehouse, "dalian_and_ningbo_in_usd")
    by_key = {(r["concept"], r["city"], r["year"], r["stated_text"]): r for r in rows}
    # Dalian's 2010 sales, 53.5 billion yuan at WDI 2010 (6.7703 yuan per US$)
    assert by_key[("industry_total", "Dalian", 2010, "53.5 billion yuan")]["usd_million"] == pytest.approx(
        round(53.5e9 / 6.7703 / 1e6, 1)
    )
    # Ningbo's offshore realization in 2017 is printed twice: in the prose and in Table 1
    assert by_key[("sold_abroad", "Ningbo", 2017, "20.07")]["usd_million"] == 2007.0
    assert by_key[("sold_abroad", "Ningbo", 2017, "US$ 2.007 billion")]["usd_million"] == 2007.0
    assert {r["city"] for r in rows} == {"Dalian", "Ningbo"}


def test_ningbo_offshore_structure(built_warehouse):
    rows = run(built_warehouse, "ningbo_offshore_structure")
    by_key = {(r["year"], r["service_line"]): r for r in rows}
    assert by_key[(2016, "ITO")]["offshore_usd"] == 978_000_000
    # the 2011 offshore cells are printed as "/": only the totals exist
    assert by_key[(2011, "KPO")]["offshore_usd"] is None and by_key[(2011, "KPO")]["all_usd"] > 0
    # 2016: offshore ITO 9.78 (US$ 100 million) of ITO 121.45 (10^8 yuan) at 6.6445 yuan per US$
    assert by_key[(2016, "ITO")]["offshore_pct_of_line"] == round(100 * 9.78 / (121.45 / 6.6445), 1)
