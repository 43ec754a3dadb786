"""Numbers printed in words are numbers: the literal parser reads them, the text reading counts them (so coverage
must account for them), the draft's literal covers them, and the GX suites' SQL tokenises a literal the same way.
Dates and numbers inside names are printed numbers that are not figures: the draft gives each a reason."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from orchestration.checks.gx_suites import _bind_literal_rules
from orchestration.corpus.coverage import Printing, account
from orchestration.corpus.literal_spans import literal_span, skipped_reason
from orchestration.corpus.text import NUMBER, Place, printed_numbers, read_lines
from orchestration.ingest.literals import parse_literal


@pytest.mark.parametrize(
    ("text", "value", "high", "scale", "comparator"),
    [
        ("twenty-one cities", "21", None, 0, "eq"),
        ("twenty one cities", "21", None, 0, "eq"),
        ("five national export bases", "5", None, 0, "eq"),
        ("nineteen", "19", None, 0, "eq"),
        ("ninety-nine", "99", None, 0, "eq"),
        ("a hundred and five firms", "105", None, 0, "eq"),
        ("one hundred", "100", None, 0, "eq"),
        ("three hundred and forty-two", "342", None, 0, "eq"),
        ("three thousand staff", "3", None, 3, "eq"),
        ("three thousand five hundred staff", "3500", None, 0, "eq"),
        ("two million three hundred thousand", "2300", None, 3, "eq"),
        ("two million yuan", "2", None, 6, "eq"),
        ("more than a thousand staff", "1", None, 3, "gt"),
        ("about a hundred firms", "100", None, 0, "approx"),
        ("a dozen parks", "12", None, 0, "eq"),
        ("a score of firms", "20", None, 0, "eq"),
        # a plural that names a magnitude is the span it admits, as "several" is 2 to 9
        ("dozens of firms", "24", "119", 0, "range"),
        ("hundreds of firms", "200", "999", 0, "range"),
        ("thousands of engineers", "2000", "9999", 0, "range"),
        ("tens of thousands of graduates", "20000", "99999", 0, "range"),
        ("a few firms", "2", "9", 0, "range"),
        ("five to ten firms", "5", "10", 0, "range"),
        # a hyphen joins the words of one number: never a range
        ("twenty-nine", "29", None, 0, "eq"),
    ],
)
def test_the_parser_reads_numbers_in_words(text, value, high, scale, comparator):
    q = parse_literal(text)
    assert (q.value, q.value_high, q.scale, q.comparator, q.decimals) == (
        Decimal(value),
        Decimal(high) if high else None,
        scale,
        comparator,
        0,
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Twenty-one cities and five national export bases", ["Twenty-one", "five"]),
        ("a hundred and five firms, three thousand staff", ["a hundred and five", "three thousand"]),
        ("dozens of firms and tens of thousands of graduates", ["dozens of", "tens of thousands of"]),
        ("one hundred; one million; one hundred and one", ["one hundred", "one million", "one hundred and one"]),
        # a lone "one" is a determiner or pronoun, not a count
        ("one of the parks, on the one hand, one another, a one-stop service, No. one", []),
        # ordinals, a vague "a few", a number inside a word, and a multiple glued to "fold" are no printed number
        ("the first, seventh and tenth parks; a few firms; someone often; a sixfold rise", []),
        ("G20 and Web2", []),
    ],
)
def test_the_text_reading_finds_numbers_in_words(text, found):
    assert [n.literal for n in printed_numbers(read_lines(text))] == found


def test_the_suites_sql_tokenises_a_literal_as_the_text_reading_does():
    literals = [
        "twenty-one cities",
        "a hundred and five firms",
        "One of them",
        "about three square kilometers",
        "hundreds of firms",
        "US\\$ 2.007 billion",
        "45 to 50%",
        "a sixfold increase",
        "Twenty One",
    ]
    with duckdb.connect() as con:
        _bind_literal_rules(con)
        for literal in literals:
            sql = con.execute("select printed_numbers(?)", [literal]).fetchone()[0]
            assert sql == [m.group(0) for m in NUMBER.finditer(literal)], literal


def _span(text: str, number: str) -> str:
    start = text.index(number)
    lo, hi = literal_span(text, start, start + len(number), ranges=True)
    return text[lo:hi]


@pytest.mark.parametrize(
    ("text", "number", "literal"),
    [
        ("The plan names twenty-one cities as hubs.", "twenty-one", "twenty-one cities"),
        ("It set up five national export bases in 2010.", "five", "five national export bases"),
        ("They shoot two more segments.", "two", "two"),
        ("It hosts hundreds of firms.", "hundreds of", "hundreds of firms"),
        ("Exports reached USD 0.86 billion in 2015.", "0.86", "USD 0.86 billion"),
        ("Sales were CNY 3.2 billion.", "3.2", "CNY 3.2 billion"),
        ("A fund of €40 million opened.", "40", "€40 million"),
        ("Orders of JPY 120 billion came.", "120", "JPY 120 billion"),
        ("Output of ¥ 5 billion.", "5", "¥ 5 billion"),
        ("Output of 0.86 billion USD.", "0.86", "0.86 billion USD"),
    ],
)
def test_the_literal_span_covers_words_and_currencies(text, number, literal):
    assert _span(text, number) == literal


def _reasons(text: str) -> list[tuple[str, tuple[str, str] | None]]:
    lines = read_lines(text)
    by_number = {line.number: line for line in lines}
    return [
        (n.literal, skipped_reason(by_number[n.line], n, n.column - 1, 0))
        for n in printed_numbers(lines)
        if n.literal[0].isdigit()
    ]


@pytest.mark.parametrize(
    "date",
    [
        "2011-03-08",
        "2009-5-26 15:16:06",
        "2011/03/08",
        "08/03/2011",
        "March 8, 2011",
        "March 8th 2011",
        "8 March 2011",
        "8th of March, 2011",
        "June 2008",
        "Sept. 9",
    ],
)
def test_a_date_in_any_printed_form_is_not_a_figure(date):
    reasons = _reasons(f"Posted {date} by the editor")
    assert reasons and all(reason == (date, "a date, not a figure") for _, reason in reasons), reasons


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Half of the Fortune 500 firms came.", "Fortune 500"),
        ("Terminals run Windows 7 there.", "Windows 7"),
        ("The plant follows Industry 4.0 ideas.", "Industry 4.0"),
        ("Sites moved to Web 2.0 tools.", "Web 2.0"),
        ("The park made the Top 100 list.", "Top 100"),
        ("Under the 12th Five-Year Plan, it grew.", "12th Five-Year Plan"),
    ],
)
def test_a_number_inside_a_name_is_not_a_figure(text, name):
    assert {reason for _, reason in _reasons(text)} == {(name, "part of a name")}


@pytest.mark.parametrize(
    "text",
    [
        "Dalian 2010 saw growth.",
        "Exports reached US$ 500 million.",
        "About 300 firms moved. In 2012 over 40 followed.",
        "Sales rose 12% as Ningbo 25% of the firms left.",
        "The park hosts 300 Japanese firms.",
    ],
)
def test_a_quantity_beside_a_capitalised_word_is_no_name(text):
    assert all(reason is None or reason[1] != "part of a name" for _, reason in _reasons(text))


def test_numbers_in_words_must_be_accounted_for_and_a_mention_in_other_words_claims_its_number():
    text = "1. Firms\n\nThree major software corporations lead. The three major firms employ twenty-one staff.\n"
    place = Place("1. Firms", 1)
    recorded = Printing("big_m1", place, "Three major software corporations", None, ())
    again = Printing("big_m2", place, "three major software corporations", None, ())
    result = account(text, [recorded, again], [], [], ["1. Firms"])
    statuses = [(a.number.literal, a.status, a.accounted_by) for a in result.numbers if a.number.line == 3]
    assert statuses == [
        ("Three", "figure", "big_m1"),
        ("three", "figure", "big_m2"),  # printed in other words ("three major firms"): the number of the same value
        ("twenty-one", "unaccounted", None),
    ]
    assert result.not_found == []
    # each is found where its number is printed: the literal itself, or the number of its value in other words
    assert [(f.line, f.text, f.in_other_words) for f in result.found.values()] == [
        (3, "Three major software corporations", False),
        (3, "three", True),
    ]
