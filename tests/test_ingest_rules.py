"""The ingest's rules on values, ids, the reading of cells, scales and line numbers: each bad input is rejected
before anything is written, with file, line and reason, and a file of junk costs bounded time and messages."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import PROJECT_ROOT, SHARED_SEEDS, copy_sources, read_rows, write_rows
from orchestration.ingest.literals import MAX_SCALE, LiteralParseError, parse_literal, parse_unit_label
from orchestration.ingest.load import load_all
from orchestration.ingest.records import MAX_LISTED, LineCount
from orchestration.ingest.source_files import CURRENT_YEAR
from orchestration.ingest.validate import validate_build
from test_ingest_bad_input import FIGURE_COLUMNS, _edit, _first, _problems

FIGURES = Path("figures") / "dalian_paper_2013.csv"
MENTIONS = Path("mentions") / "dalian_paper_2013.csv"
CLAIMS = Path("claims") / "dalian_paper_2013.csv"
EVENTS = Path("events") / "dalian_paper_2013.csv"


@pytest.fixture
def sources(tmp_path) -> Path:
    return copy_sources(tmp_path)


def _at(problems: list[str], file: Path | str, line: int, message: str) -> bool:
    return any(p.startswith(f"sources/{file}:{line}:") and message in p for p in problems)


def _in(problems: list[str], file: Path | str) -> list[str]:
    return [p for p in problems if p.startswith(f"sources/{file}:")]


# -- 12: exchange rates -----------------------------------------------------------------------------------------


def test_an_exchange_rate_must_be_above_zero(sources):
    path = sources / "fx_rates.csv"
    _edit(path, 0, units_per_usd="0")
    _edit(path, 1, units_per_usd="-8.37")
    problems = _problems(sources)
    assert _at(problems, "fx_rates.csv", 2, "units_per_usd 0 is not a rate: it must be above 0"), problems
    assert _at(problems, "fx_rates.csv", 3, "units_per_usd -8.37 is not a rate"), problems


# -- 13: ranges -------------------------------------------------------------------------------------------------


def test_figure_years_are_bounded_by_their_document_or_the_current_year(sources):
    dated = _first(sources / FIGURES, period_kind="year")
    _edit(sources / FIGURES, dated, year="99999")
    ningbo = Path("figures") / "ningbo_paper.csv"  # its document prints no year
    undated = _first(sources / ningbo, period_kind="year")
    _edit(sources / ningbo, undated, year="99999")
    other = _first(sources / ningbo, period_kind="year", indicator_code="offshore_outsourcing_realization")
    _edit(sources / ningbo, other, period_kind="span", year="", start_year="0", end_year="2016")
    as_of = _first(sources / FIGURES, period_kind="as_of")
    _edit(sources / FIGURES, as_of, as_of_date="1850-06-30")
    problems = _problems(sources)
    assert _at(problems, FIGURES, dated + 2, "year 99999 is after the document's publication (2013)"), problems
    assert _at(
        problems,
        ningbo,
        undated + 2,
        f"year 99999 is after {CURRENT_YEAR}, the current year (the document prints no year)",
    ), problems
    assert _at(problems, ningbo, other + 2, "start_year 0 is before 1900"), problems
    assert _at(problems, FIGURES, as_of + 2, "as_of_date 1850-06-30 is before 1900"), problems


def test_event_years_and_months_are_in_range(sources):
    path = sources / EVENTS
    _edit(path, 0, year="0")
    _edit(path, 1, year="99999")
    _edit(path, 2, month="13")
    problems = _problems(sources)
    assert _at(problems, EVENTS, 2, "year 0 is before 1900"), problems
    assert _at(problems, EVENTS, 3, "year 99999 is after the document's publication (2013)"), problems
    assert _at(problems, EVENTS, 4, "month 13 is not a month (1 to 12)"), problems


def test_positions_count_from_one(sources):
    _edit(sources / MENTIONS, 0, occurrence="0")
    _edit(sources / MENTIONS, 1, paragraph="-1")
    _edit(sources / CLAIMS, 0, paragraph="0")
    problems = _problems(sources)
    assert _at(problems, MENTIONS, 2, "occurrence 0 is not a position (1, 2, ...)"), problems
    assert _at(problems, MENTIONS, 3, "paragraph -1 is not a position"), problems
    assert _at(problems, CLAIMS, 2, "paragraph 0 is not a position"), problems


def test_catalogue_years_are_in_range(sources):
    aliases = sources / "firm_aliases.csv"
    alias = _first(aliases, valid_from_year="1996")
    _edit(aliases, alias, valid_to_year="1990")
    _edit(sources / "firms.csv", _first(sources / "firms.csv", firm_id="dhc"), founded_year="19960")
    _edit(sources / "documents.csv", 0, year="99999")
    _edit(sources / "fx_rates.csv", 0, year="1066")
    problems = _problems(sources)
    assert _at(problems, "firm_aliases.csv", alias + 2, "valid_from_year 1996 is after valid_to_year 1990"), problems
    assert any("firms.csv:" in p and f"founded_year 19960 is after {CURRENT_YEAR}" in p for p in problems), problems
    assert _at(problems, "documents.csv", 2, f"year 99999 is after {CURRENT_YEAR}, the current year"), problems
    assert _at(problems, "fx_rates.csv", 2, "year 1066 is before 1900"), problems


# -- 14: conventions --------------------------------------------------------------------------------------------


def test_ids_follow_the_convention(sources):
    _edit(sources / FIGURES, 0, figure_id="Dalian_F001")
    _edit(sources / MENTIONS, 1, mention_id="dalian f002 m1")
    _edit(sources / FIGURES, 2, indicator_code="software_is_sales'")
    _edit(sources / CLAIMS, 0, input_figure_ids="dalian_f004; dalian_f003")
    _edit(sources / "geography.csv", _first(sources / "geography.csv", geo_id="dalian"), parent_id="Liaoning")
    problems = _problems(sources)
    rule = "is not an id (lowercase ASCII letters, digits and _, starting with a letter)"
    assert _at(problems, FIGURES, 2, f"figure_id='Dalian_F001' {rule}"), problems
    assert _at(problems, MENTIONS, 3, f"mention_id='dalian f002 m1' {rule}"), problems
    assert _at(problems, FIGURES, 4, f"indicator_code='software_is_sales'' {rule}"), problems
    assert _at(problems, CLAIMS, 2, "input_figure_ids='dalian_f004; dalian_f003' is not a list of figure ids"), problems
    assert any("geography.csv:" in p and f"parent_id='Liaoning' {rule}" in p for p in problems), problems


def test_a_claim_naming_its_stated_figure_as_an_input(sources):
    path = sources / CLAIMS
    index = _first(path, claim_kind="bound")
    row = _edit(path, index, input_figure_ids=read_rows(path)[1][index]["stated_figure_id"])
    problems = _problems(sources)
    assert _at(
        problems,
        CLAIMS,
        index + 2,
        f"{row['claim_id']}: the stated figure '{row['stated_figure_id']}' is also one of its inputs",
    ), problems


def test_a_second_mention_of_the_same_printing(sources):
    path = sources / MENTIONS
    fields, rows = read_rows(path)
    rows.append({**rows[0], "mention_id": rows[0]["mention_id"][:-1] + "9"})
    write_rows(path, fields, rows)
    problems = _problems(sources)
    assert _at(
        problems,
        MENTIONS,
        len(rows) + 1,
        f"the same printing of '{rows[0]['figure_id']}' as mention '{rows[0]['mention_id']}' (line 2)",
    ), problems


# -- 15: one reading of every cell ------------------------------------------------------------------------------


def test_what_is_validated_is_what_is_loaded(sources, tmp_path):
    blog = sources / "figures" / "dalian_blog_2009.csv"
    figure = _edit(blog, 0, figure_id="blog_f001 ", stated_text="  US $2 billion ")
    mentions = sources / "mentions" / "dalian_blog_2009.csv"
    _edit(mentions, 0, figure_id=" blog_f001")
    with validate_build(sources, SHARED_SEEDS) as validation:
        load_all(validation, tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        loaded = con.execute(
            "select figure_id, stated_text from raw.figures where document_id = 'dalian_blog_2009' order by figure_id"
        ).fetchall()[0]
        mentioned = con.execute("select count(*) from raw.mentions where figure_id = 'blog_f001'").fetchone()[0]
    assert loaded == (figure["figure_id"].strip(), "US $2 billion")
    assert mentioned == 2


def test_the_load_writes_the_rows_validated_and_reads_no_file_again(sources, tmp_path):
    blog = sources / "figures" / "dalian_blog_2009.csv"
    validated = read_rows(blog)[1][0]
    warehouse = tmp_path / "warehouse.duckdb"
    with validate_build(sources, SHARED_SEEDS) as validation:
        # once validated, a load reading the files again would find this figure renamed and no mention left
        _edit(blog, 0, figure_id="renamed_after_validation")
        for path in (sources / "mentions").glob("*.csv"):
            write_rows(path, read_rows(path)[0], [])
        counts = load_all(validation, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ids = {
            i
            for (i,) in con.execute(
                "select figure_id from raw.figures where document_id = 'dalian_blog_2009'"
            ).fetchall()
        }
        mentions = con.execute("select count(*) from raw.mentions").fetchone()[0]
    assert validated["figure_id"] in ids and "renamed_after_validation" not in ids
    assert mentions == counts["mentions"] == validation.counts["mentions"] > 0


def test_a_load_that_fails_part_way_leaves_the_working_file_as_it_was(sources, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.figures as select 'before the load' as marker")
        # raw.mentions is loaded after raw.figures, and a view cannot be replaced by a table
        con.execute("create view raw.mentions as select 1 as x")
    with validate_build(sources, SHARED_SEEDS) as validation, pytest.raises(duckdb.CatalogException, match="mentions"):
        load_all(validation, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select * from raw.figures").fetchall() == [("before the load",)]
        assert con.execute("select count(*) from duckdb_tables() where schema_name = 'ingest'").fetchone()[0] == 0


# -- 16: scale --------------------------------------------------------------------------------------------------


def test_the_parser_rejects_a_power_beyond_the_largest_scale():
    assert parse_unit_label(f"10^{MAX_SCALE} yuan")[0] == MAX_SCALE
    for label in (f"10^{MAX_SCALE + 1} yuan", "10^9999999999 yuan", "10^" + "9" * 5000):
        with pytest.raises(LiteralParseError, match="above 10"):
            parse_unit_label(label)
    with pytest.raises(LiteralParseError):
        parse_literal("35", "10 <sup>400</sup> yuan")


def test_scale_is_bounded(sources):
    path = sources / FIGURES
    index = _first(path, currency="CNY", period_kind="year", scale="6")
    _edit(path, index, scale="30")
    power = _first(path, currency="CNY", period_kind="year", scale="9")
    _edit(path, power, stated_text="35", unit_as_printed="10^9999999999 yuan")  # a table cell takes its label's
    large = _first(path, currency="USD", period_kind="year", stated_text="1.4 billion dollars")
    _edit(
        path,
        large,
        stated_text="12345678901 10^18 dollars",
        unit_as_printed="10^18 dollars",
        value="12345678901",
        decimals="0",
        scale="18",
    )
    _edit(sources / FIGURES, 0, indicator_code="nope")  # still reported beside the rest
    problems = _problems(sources)
    assert _at(problems, FIGURES, index + 2, f"scale 30 is not a power of ten from 0 to {MAX_SCALE}"), problems
    assert _at(problems, FIGURES, power + 2, f"unparseable literal: 10^9999999999 is above 10^{MAX_SCALE}"), problems
    assert _at(problems, FIGURES, large + 2, "value 12345678901 times 10^18 has more than 28 digits"), problems
    assert _at(problems, FIGURES, 2, "unknown indicator_code 'nope'"), problems


def test_the_ingest_and_dbt_take_the_largest_scale_from_one_dbt_var():
    dbt = PROJECT_ROOT / "dbt_project"
    declared = yaml.safe_load((dbt / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]["max_scale"]
    assert MAX_SCALE == declared
    marts = yaml.safe_load((dbt / "models" / "marts" / "fct_observation.yml").read_text(encoding="utf-8"))
    [observation] = [m for m in marts["models"] if m["name"] == "fct_observation"]
    scale = next(c for c in observation["columns"] if c["name"] == "scale")
    [bounds] = [t["within_range"]["arguments"] for t in scale["data_tests"] if "within_range" in t]
    assert bounds == {"min_value": 0, "max_value": "{{ var('max_scale') }}"}


def test_dbt_converts_the_largest_value_the_ingest_admits():
    macro = (PROJECT_ROOT / "dbt_project" / "macros" / "to_base_units.sql").read_text(encoding="utf-8")
    body = re.search(r"macro to_base_units\(value, scale\) -%}(.*?){%-? endmacro", macro, re.S).group(1)
    largest = "9" * (28 - MAX_SCALE) + "." + "9" * 10
    sql = body.replace("{{ value }}", f"'{largest}'").replace("{{ scale }}", str(MAX_SCALE))
    with duckdb.connect() as con:
        assert con.execute(f"select {sql}").fetchone()[0] == pytest.approx(float(largest) * 10**MAX_SCALE)


# -- 17: line numbers and checksums -----------------------------------------------------------------------------


def _insert_lines(path: Path, at: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(at, text)
    path.write_text("".join(lines), encoding="utf-8")


def test_a_file_is_counted_in_lines_by_the_pass_that_checksums_it():
    # the last line counts whether or not it ends with a newline, wherever the pass's blocks are cut
    for data in (b"", b"h\n", b"h\nrow", b"h\nrow\n", b"h\n\n\nrow\n"):
        for cut in range(len(data) + 1):
            count = LineCount()
            count.update(data[:cut])
            count.update(data[cut:])
            assert count.lines == len(data.splitlines()), (data, cut)


def test_lines_after_blank_lines(sources):
    path = sources / FIGURES
    _edit(path, 5, indicator_code="nope")  # line 7, line 9 once two blank lines go in before it
    _insert_lines(path, 3, "\n")
    _insert_lines(path, 5, "\n")
    problems = _problems(sources)
    assert _at(problems, FIGURES, 9, "unknown indicator_code 'nope'"), problems


def test_a_file_with_mixed_line_endings(sources):
    path = sources / FIGURES
    _insert_lines(path, 3, "\r\n")
    problems = _problems(sources)
    assert _in(problems, FIGURES) == [
        f"sources/{FIGURES}:4: the line ends in CRLF, the header in LF: every line of a file must end alike"
    ]


def test_lines_after_a_quoted_field_holding_newlines(sources):
    path = sources / FIGURES
    _edit(path, 1, interpretation_note="a note\nover three\nlines")
    _edit(path, 5, indicator_code="nope")
    _edit(path, 1, indicator_code="nope_too")
    problems = _problems(sources)
    assert _at(problems, FIGURES, 3, "unknown indicator_code 'nope_too'"), problems
    assert _at(problems, FIGURES, 9, "unknown indicator_code 'nope'"), problems


def test_a_byte_that_is_not_utf8_is_reported_at_its_line(sources):
    path = sources / FIGURES
    data = path.read_bytes().split(b"\n")
    data[3] = data[3].replace(b"yuan", b"yu\xe4n", 1)
    path.write_bytes(b"\n".join(data))
    events = sources / EVENTS
    head = events.read_bytes().split(b"\n")
    head[0] = head[0].replace(b"event_id", b"event\xffid")
    events.write_bytes(b"\n".join(head))
    position = data[3].index(b"\xe4") + 1
    problems = _problems(sources)
    assert [p for p in _in(problems, FIGURES) if "UTF-8" in p] == [
        f"sources/{FIGURES}:4: not UTF-8: byte 0xe4 at position {position} of the line"
    ], problems
    assert _at(problems, EVENTS, 1, "not UTF-8: byte 0xff at position 6 of the line"), problems


def test_a_sha256_must_be_lowercase_hex(sources):
    path = sources / "documents.csv"
    row = _edit(path, 0, sha256=read_rows(path)[1][0]["sha256"].upper())
    problems = _problems(sources, SHARED_SEEDS)
    assert _in(problems, "documents.csv") == [
        f"sources/documents.csv:2: sha256='{row['sha256']}' is not 64 lowercase hexadecimal digits"
    ], problems


# -- 18: bounded work on bad rows ------------------------------------------------------------------------------


def test_an_unreadable_row_gives_one_problem(sources):
    figures = sources / FIGURES
    _, rows = read_rows(figures)
    claimed = next(r for r in read_rows(sources / CLAIMS)[1] if r["claim_kind"] == "bound")["stated_figure_id"]
    index = next(i for i, r in enumerate(rows) if r["figure_id"] == claimed)
    lines = figures.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[index + 1] = lines[index + 1].replace(",", ";", 3)  # too few columns now
    figures.write_text("".join(lines), encoding="utf-8")
    mentions = sources / MENTIONS
    lines = mentions.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = '"' + lines[1]  # a quote left open
    mentions.write_text("".join(lines), encoding="utf-8")
    problems = _problems(sources)
    assert len(problems) == 2, problems
    assert problems[0] == (
        f"sources/{FIGURES}:{index + 2}: expected {FIGURE_COLUMNS} columns, found {FIGURE_COLUMNS - 3}"
    )
    assert problems[1].startswith(f"sources/{MENTIONS}:2: unreadable CSV: ")


def _junk(path: Path, size: int, alphabet: str, seed: int = 18) -> int:
    """Replace the rows of `path` by `size` bytes of lines of junk; return the number of lines."""
    rng = random.Random(seed)
    header = path.read_text(encoding="utf-8").splitlines()[0]
    lines = []
    written = 0
    while written < size:
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(5, 80)))
        lines.append(line)
        written += len(line) + 1
    path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def test_a_file_of_junk_is_reported_in_bounded_time_and_messages(sources):
    junk = _junk(sources / FIGURES, 3_000_000, "abcdefghijklmnopqrstuvwxyz0123456789 ,.;:-")
    started = time.monotonic()
    problems = _problems(sources)
    elapsed = time.monotonic() - started
    listed = _in(problems, FIGURES)
    assert len(listed) == MAX_LISTED + 1, listed[-3:]
    assert listed[0].startswith(f"sources/{FIGURES}:2: expected {FIGURE_COLUMNS} columns, found ")
    assert listed[-1] == (
        f"sources/{FIGURES}:{MAX_LISTED + 2}: {junk - MAX_LISTED} more problem(s) from this line on are not listed"
    )
    # the figures are gone, but not reported again through every mention and claim of the document
    assert _in(problems, MENTIONS) == _in(problems, CLAIMS) == [], problems
    assert elapsed < 30, elapsed


def test_junk_with_quotes_is_bounded_too(sources):
    _junk(sources / MENTIONS, 1_000_000, "abcdefghij0123456789 ,;\"'\t")
    problems = _problems(sources)
    listed = _in(problems, MENTIONS)
    assert len(listed) <= MAX_LISTED + 1, listed[-3:]
    assert not any("has no mention" in p for p in problems), problems
