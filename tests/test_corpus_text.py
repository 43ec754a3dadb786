"""The text reading (orchestration/corpus/text.py) and the accounting of every printed number
(orchestration/corpus/coverage.py), on a small text written for the test."""

from __future__ import annotations

from dataclasses import replace

from orchestration.corpus.coverage import Ignore, Printing, account
from orchestration.corpus.text import Place, printed_numbers, read_lines

SECTION = "2.1. Harbour Trade Keeps Growing"
TEXT = "\n".join(
    [
        "Harbour Town Report No.12",  # 1
        "",
        "2.1. Harbour Trade Keeps Growing",  # 3
        "",
        "In 2015 the harbour handled 3,250 ships, 12.5% more than a year before (Table 1).",  # 5
        "",
        "Figure 1: Ships per year since 2010",  # 7
        "",
        "The port opened in 1998 and joined the 7th Coastal League; it employs 420 people.",  # 9
        "",
        "Table 1. Cargo (unit: 10 <sup>8</sup> yuan)",  # 11
        "Years\t2014\t2015",  # 12
        "Cargo\t4.10\t5.02",  # 13
    ]
)


def _mentions() -> list[Printing]:
    return [
        Printing("ships_m1", Place(SECTION, 1), "3,250 ships", None, (2015,)),
        Printing("growth_m1", Place(SECTION, 1), "12.5%", None, (2015,)),
        Printing("cargo14_m1", Place("Table 1", None, "Cargo", "2014"), "4.10", "10 <sup>8</sup> yuan", (2014,)),
        Printing("cargo15_m1", Place("Table 1", None, "Cargo", "2015"), "5.02", "10 <sup>8</sup> yuan", (2015,)),
    ]


def _status(result, line: int, literal: str) -> tuple[str, str | None]:
    found = [
        (a.status, a.accounted_by) for a in result.numbers if a.number.line == line and a.number.literal == literal
    ]
    assert len(found) == 1, (line, literal, found)
    return found[0]


def test_lines_sections_paragraphs_and_table_cells():
    lines = read_lines(TEXT, [SECTION])
    assert [(line.number, line.kind) for line in lines if line.kind != "blank"] == [
        (1, "prose"),
        (3, "heading"),
        (5, "prose"),
        (7, "caption"),
        (9, "prose"),
        (11, "caption"),
        (12, "table_header"),
        (13, "table_row"),
    ]
    by_number = {line.number: line for line in lines}
    # a figure's caption is a place of its own; the prose after it goes on with its section's paragraphs
    assert by_number[7].place == Place("Figure 1")
    assert by_number[9].place == Place(SECTION, 2)
    numbers = printed_numbers(lines)
    assert [(n.line, n.literal) for n in numbers if n.line == 5] == [(5, "2015"), (5, "3,250"), (5, "12.5"), (5, "1")]
    assert [n.place for n in numbers if n.line == 13] == [
        Place("Table 1", None, "Cargo", "2014"),
        Place("Table 1", None, "Cargo", "2015"),
    ]


def test_every_status_and_what_the_sources_do_not_bear_out():
    events = [Printing("opened_e1", Place(SECTION, 2), "1998", None, (1998,))]
    ignores = [
        Ignore("not_figures/doc.csv", 2, None, None, "Report No.12", "the report's series number"),
        Ignore("not_figures/doc.csv", 3, None, None, "Table 1", "a cross-reference to a table"),
        Ignore("not_figures/doc.csv", 4, SECTION, 2, "7th Coastal League", "part of a name"),
        Ignore("not_figures/doc.csv", 5, SECTION, None, "99 balloons", "printed nowhere: a stale entry"),
    ]
    missing = Printing("missing_m1", Place(SECTION, 1), "77 cranes", None, ())
    result = account(TEXT, [*_mentions(), missing], events, ignores)
    assert _status(result, 5, "3,250") == ("figure", "ships_m1")
    assert _status(result, 5, "12.5") == ("figure", "growth_m1")
    assert _status(result, 13, "4.10") == ("figure", "cargo14_m1")
    assert _status(result, 9, "1998") == ("event", "opened_e1")
    assert _status(result, 11, "10") == ("unit", "cargo14_m1")
    assert _status(result, 11, "8") == ("unit", "cargo14_m1")
    assert _status(result, 5, "2015") == ("period", "ships_m1")
    assert _status(result, 12, "2014") == ("period", "cargo14_m1")
    assert _status(result, 1, "12") == ("ignored", "not_figures/doc.csv:2")
    assert _status(result, 9, "7") == ("ignored", "not_figures/doc.csv:4")
    # nothing records the staff count or the figure's first year: they are left for the check to name
    assert _status(result, 9, "420") == ("unaccounted", None)
    assert _status(result, 7, "2010") == ("unaccounted", None)
    assert [p.key for p in result.not_found] == ["missing_m1"]
    assert [i.line for i in result.stale] == [5]


def test_a_printing_is_claimed_by_one_mention_only():
    twice = Printing("ships_m2", Place(SECTION, 1), "3,250 ships", None, ())
    result = account(TEXT, [*_mentions(), twice], [], [])
    assert [p.key for p in result.not_found] == ["ships_m2"], "the paragraph prints the literal once"
    # where the one printing is: what the warehouse keeps for the fidelity suite and the report's highlight
    found = result.found["ships_m1"]
    assert (found.text, found.in_other_words) == ("3,250 ships", False)
    assert TEXT.splitlines()[found.line - 1][found.start : found.end] == "3,250 ships"


def test_a_literal_is_not_found_inside_a_longer_number():
    result = account(
        TEXT,
        [
            Printing("part_m1", Place(SECTION, 1), "250 ships", None, ()),
            Printing("decimal_m1", Place("Table 1", None, "Cargo", "2014"), "4.1", None, ()),
        ],
        [],
        [],
    )
    assert [p.key for p in result.not_found] == ["part_m1", "decimal_m1"]
    # nor anywhere else in the text: the ingest reports such a literal as a problem of its row
    assert not result.printed_anywhere("250 ships") and not result.printed_anywhere("4.1")


def test_a_table_mention_must_name_its_cell():
    wrong_cell = Printing("cargo_m9", Place("Table 1", None, "Cargo", "2015"), "4.10", None, ())
    result = account(TEXT, [wrong_cell], [], [])
    assert [p.key for p in result.not_found] == ["cargo_m9"]
    assert _status(result, 13, "4.10") == ("unaccounted", None)
    # printed, but not where its mention places it: the coverage check names it (not_found), not the ingest
    assert result.printed_anywhere("4.10")


def test_an_ignore_without_printed_covers_its_section_and_one_covering_nothing_new_is_stale():
    whole = Ignore("not_figures/doc.csv", 2, "Table 1", None, None, "the whole table, for the test")
    again = Ignore("not_figures/doc.csv", 3, "Table 1", None, "Table 1", "already covered by line 2")
    result = account(TEXT, [], [], [whole, again])
    assert all(a.status == "ignored" for a in result.numbers if a.number.place.section == "Table 1")
    assert [i.line for i in result.stale] == [3]


def test_numbers_only_draft_rows_account_for_wait_for_review():
    """A draft mention's literal, its unit label and its years, and a draft not_figures row, account for nothing
    yet: their numbers are 'draft' until a person reviews the rows; a reviewed row still wins."""
    drafted = [replace(m, draft=True) if m.key == "cargo14_m1" else m for m in _mentions()]
    ignores = [Ignore("not_figures/doc.csv", 2, None, None, "Report No.12", "the series number", draft=True)]
    result = account(TEXT, drafted, [], ignores)
    assert _status(result, 13, "4.10") == ("draft", "cargo14_m1")
    assert _status(result, 11, "10") == ("unit", "cargo15_m1"), "the reviewed figure's unit label wins"
    assert _status(result, 12, "2014") == ("draft", "cargo14_m1")
    assert _status(result, 1, "12") == ("draft", "not_figures/doc.csv:2")
    assert _status(result, 5, "3,250") == ("figure", "ships_m1")


def test_a_part_printed_inside_a_sum_is_a_printing_of_its_own():
    # "64+1 countries" is claimed whole first (longest literal first); the 64 alone is the shorter printing
    # within it, claimed by its own mention; a second mention of that 64 finds no printing left
    text = "1. Routes\n\nThe route spans 64+1 countries.\n"
    place = Place("1. Routes", 1)
    total = Printing("total_m1", place, "64+1 countries", None, ())
    part = Printing("part_m1", place, "64", None, ())
    result = account(text, [part, total], [], [], ["1. Routes"])
    assert _status(result, 3, "64") == ("figure", "total_m1")
    assert _status(result, 3, "1") == ("figure", "total_m1")
    assert result.not_found == []
    again = account(text, [part, total, Printing("part_m2", place, "64", None, ())], [], [], ["1. Routes"])
    assert [p.key for p in again.not_found] == ["part_m2"]


def test_an_event_dated_by_decade_refers_to_its_first_and_last_year_only():
    text = "1. Origins\n\nThe street opened in the late 1980s; by 1989 it had closed, by 1985 it had shrunk.\n"
    event = Printing("street_e1", Place("1. Origins", 1), "late 1980s", None, (1980, 1989))
    result = account(text, [], [event], [], ["1. Origins"])
    assert _status(result, 3, "1980") == ("event", "street_e1")
    assert _status(result, 3, "1989") == ("period", "street_e1")
    assert _status(result, 3, "1985") == ("unaccounted", None), "a year between is not one the event refers to"


def _long_text(copies: int) -> str:
    """TEXT again and again, each copy its own section: about a third of a kilobyte a copy."""
    return "\n".join(TEXT.replace("2.1.", f"{n}.1.") for n in range(2, copies + 2)) + "\n"


def test_reading_a_long_text_tells_how_far_it_has_got():
    text = _long_text(2000)
    total = len(text.encode("utf-8")) / 1e6
    said: list[str] = []
    account(text, _mentions(), [], [], [SECTION], said.append, every_mb=0.2)
    assert said == [f"read {done:.1f} of {total:.1f} MB" for done in (0.2, 0.4, 0.6)], said
    quiet: list[str] = []
    account(text, _mentions(), [], [], [SECTION], quiet.append, every_mb=total + 0.1)
    assert quiet == [], "a text shorter than the step reads without a word"


def test_the_run_logs_how_far_its_reading_of_a_long_text_has_got(caplog):
    import logging

    import duckdb

    from orchestration.ingest.texts import read_texts

    con = duckdb.connect()
    for table in (
        "documents (document_id varchar, file_name varchar)",
        "figures (figure_id varchar, document_id varchar, section varchar, stated_text varchar, "
        "unit_as_printed varchar, unit_interpreted varchar, year integer, start_year integer, end_year integer, "
        "as_of_date date, _file varchar, _line integer)",
        "mentions (mention_id varchar, figure_id varchar, document_id varchar, section varchar, paragraph integer, "
        "table_row varchar, table_column varchar, review_status varchar, _file varchar, _line integer)",
        "events (event_id varchar, document_id varchar, section varchar, paragraph integer, stated_text varchar, "
        "year integer, year_high integer, _file varchar, _line integer)",
        "not_figures (document_id varchar, section varchar, paragraph integer, printed varchar, reason varchar, "
        "review_status varchar, _file varchar, _line integer)",
        "claims (document_id varchar, section varchar)",
    ):
        con.execute(f"create table {table}")
    con.execute("insert into documents values ('harbour', 'harbour.txt')")
    with caplog.at_level(logging.INFO):
        readings = read_texts(con, frozenset({"harbour"}), {"harbour": _long_text(2000)}, None, every_mb=0.3)
    assert readings.texts == [("harbour", "harbour.txt", True, None)]
    assert [r.getMessage() for r in caplog.records if "harbour.txt" in r.getMessage()] == [
        "harbour.txt: read 0.3 of 0.7 MB",
        "harbour.txt: read 0.6 of 0.7 MB",
    ]


def test_a_not_figures_row_of_digits_accounts_for_its_own_printings_in_its_scope():
    # a long table's number-labels each have such a row: it finds its numbers by literal, as a scan would
    text = (
        "Table 2. Exports by code\nCode\t2014\t2015\n1201\t12.5\t1201.5\n1202\t3.0\t1201\n\n## 3. Notes\n\nCode 1201.\n"
    )
    ignores = [
        Ignore("not_figures/doc.csv", 2, "Table 2", None, "1201", "a product code"),
        Ignore("not_figures/doc.csv", 3, "Table 2", None, "12", "printed inside 12.5 only"),
    ]
    result = account(text, [], [], ignores)
    by = "not_figures/doc.csv:2"
    assert [(a.number.line, a.number.literal, a.status, a.accounted_by) for a in result.numbers] == [
        (1, "2", "unaccounted", None),
        (2, "2014", "unaccounted", None),
        (2, "2015", "unaccounted", None),
        (3, "1201", "ignored", by),
        (3, "12.5", "unaccounted", None),
        (3, "1201.5", "unaccounted", None),
        (4, "1202", "unaccounted", None),
        (4, "3.0", "unaccounted", None),
        (4, "1201", "ignored", by),
        (6, "3", "unaccounted", None),
        (8, "1201", "unaccounted", None),
    ], "the label and the cell printing 1201, not 1201.5, nor the 1201 of another section"
    assert [i.line for i in result.stale] == [3]


def test_a_literal_printed_with_and_without_a_unit_is_read_again_in_both():
    """The same printed text, once with a unit and once without (a unit is None): each is read on its own."""
    import duckdb

    from orchestration.ingest.texts import _read_again

    printings = [
        ("d", "f1", 1, 0, "5 billion", 0, "yuan", None),
        ("d", "f2", 2, 0, "5 billion", 0, None, None),
    ]
    read = _read_again(duckdb.connect(), printings)
    assert [row[:6] for row in read] == [row[:6] for row in printings]
    assert read[0][-2:] == read[1][-2:] and read[0][-2] == 5, read  # 5, at its scale of a billion
