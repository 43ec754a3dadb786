"""The period a draft suggests for a printed quantity (orchestration/corpus/periods.py): each way a text dates a
figure, read from a sentence written for the test, and the order the evidence goes in (beside the literal, the
sentence, earlier in the paragraph, the heading, the document's date), with targets after the document's date."""

from __future__ import annotations

from datetime import date

import pytest

from orchestration.corpus.periods import suggest_period
from orchestration.corpus.suggestion import Context, Suggestion
from orchestration.corpus.text import Place
from orchestration.ingest.literals import parse_literal

PUBLISHED = date(2012, 3, 1)


def _suggest(
    sentence: str,
    literal: str,
    earlier: str = "",
    section: str = "Findings",
    published: date | None = PUBLISHED,
    year: int | None = 2012,
    row: str | None = None,
    column: str | None = None,
) -> Suggestion:
    context = Context(
        literal=literal,
        quantity=parse_literal(literal),
        unit_as_printed=None,
        place=Place(section, None if row or column else 1, row, column),
        line=3,
        sentence=sentence,
        position=0 if row or column else sentence.index(literal),
        paragraph=earlier + sentence,
        earlier=earlier,
        title="A test report",
        kind="report",
        published=published,
        year=year,
    )
    return suggest_period(context)


def _period(suggestion: Suggestion | dict[str, str]) -> dict[str, str]:
    value = suggestion.value if isinstance(suggestion, Suggestion) else suggestion
    return {column: cell for column, cell in value.items() if cell}


YEAR_2010 = {"period_kind": "year", "year": "2010"}

# (rule, sentence, literal, keyword arguments, the period suggested)
RULES = [
    ("a year", "Riverton's exporters shipped US$ 2.4 billion in 2010.", "US$ 2.4 billion", {}, YEAR_2010),
    ("a year's possessive", "Of 2010's budget, 35 million yuan went to training.", "35 million yuan", {}, YEAR_2010),
    (
        "from .. to",
        "From 1998 to 2007 the zone's output grew 41.5% a year.",
        "41.5%",
        {},
        {"period_kind": "span", "start_year": "1998", "end_year": "2007"},
    ),
    (
        "between .. and",
        "Between 2001 and 2005 hiring rose 18%.",
        "18%",
        {},
        {"period_kind": "span", "start_year": "2001", "end_year": "2005"},
    ),
    (
        "a hyphenated span",
        "Hiring rose 9% over 2004-2009.",
        "9%",
        {},
        {"period_kind": "span", "start_year": "2004", "end_year": "2009"},
    ),
    (
        "an en-dash span",
        "Hiring rose 9% over 2004–2009.",
        "9%",
        {},
        {"period_kind": "span", "start_year": "2004", "end_year": "2009"},
    ),
    (
        "at the end of a year",
        "At the end of 2009 the park housed 415 firms.",
        "415 firms",
        {},
        {"period_kind": "as_of", "year": "2009", "as_of_date": "2009-12-31"},
    ),
    (
        "by the end of a month",
        "By the end of June 2010 the park housed 433 firms.",
        "433 firms",
        {},
        {"period_kind": "as_of", "year": "2010", "as_of_date": "2010-06-30"},
    ),
    (
        "as of a day",
        "As of 30 September 2011 the campus counted 12,500 students.",
        "12,500",
        {},
        {"period_kind": "as_of", "year": "2011", "as_of_date": "2011-09-30"},
    ),
    (
        "the first half of a year",
        "Contracts worth US$ 310 million were signed in the first half of 2011.",
        "US$ 310 million",
        {},
        {"period_kind": "half", "year": "2011", "as_of_date": "2011-06-30"},
    ),
    (
        "H2 and a year",
        "Contracts worth US$ 290 million followed in H2 2011.",
        "US$ 290 million",
        {},
        {"period_kind": "half", "year": "2011", "as_of_date": "2011-12-31"},
    ),
    (
        "the third quarter of a year",
        "Revenue came to 880 million yuan in the third quarter of 2011.",
        "880 million yuan",
        {},
        {"period_kind": "quarter", "year": "2011", "as_of_date": "2011-09-30"},
    ),
    (
        "Q1 and a year",
        "Revenue came to 640 million yuan in Q1 2011.",
        "640 million yuan",
        {},
        {"period_kind": "quarter", "year": "2011", "as_of_date": "2011-03-31"},
    ),
    (
        "last year, against the document's date",
        "Last year the incubator hosted 64 start-ups.",
        "64",
        {},
        {"period_kind": "year", "year": "2011"},
    ),
    (
        "now, the document's day",
        "The incubator currently hosts 71 start-ups.",
        "71",
        {},
        {"period_kind": "as_of", "year": "2012", "as_of_date": "2012-03-01"},
    ),
    (
        "now, the document's year when it prints no day",
        "At present the incubator hosts 71 start-ups.",
        "71",
        {"published": None},
        {"period_kind": "year", "year": "2012"},
    ),
    (
        "then: the year the paragraph named",
        "Its payroll then held 2,300 engineers.",
        "2,300",
        {"earlier": "The campus opened in 2006. "},
        {"period_kind": "year", "year": "2006"},
    ),
    (
        "a year earlier in the paragraph carries",
        "Its payroll held 2,300 engineers.",
        "2,300",
        {"earlier": "The campus opened in 2006. "},
        {"period_kind": "year", "year": "2006"},
    ),
    (
        "the decade to the nearest year",
        "Over the decade the cluster's sales grew 27% a year.",
        "27%",
        {"earlier": "By 2010 the cluster had 300 members. "},
        {"period_kind": "span", "start_year": "2000", "end_year": "2010"},
    ),
    (
        "the past five years to the document's date",
        "In the past five years exports grew 22% a year.",
        "22%",
        {},
        {"period_kind": "span", "start_year": "2007", "end_year": "2012"},
    ),
    (
        "those years: the span the paragraph named",
        "In those years exports grew 22% a year.",
        "22%",
        {"earlier": "From 2003 to 2008 the cluster doubled. "},
        {"period_kind": "span", "start_year": "2003", "end_year": "2008"},
    ),
    (
        "the heading's year",
        "Members sold 4.2 billion yuan.",
        "4.2 billion yuan",
        {"section": "3. The year 2010"},
        YEAR_2010,
    ),
    (
        "a table cell's column label",
        "Table 2 Sales of members, 2005-2011 (unit: 100 million yuan) Members 2010",
        "42.0",
        {"row": "Members", "column": "2010"},
        YEAR_2010,
    ),
    (
        "a comparison's base year is not the period",
        "In 2010 members sold 5 billion yuan, up 20% from 2009.",
        "20%",
        {},
        YEAR_2010,
    ),
]


@pytest.mark.parametrize(("rule", "sentence", "literal", "given", "period"), RULES, ids=[r[0] for r in RULES])
def test_each_way_a_text_dates_a_figure(rule, sentence, literal, given, period):
    suggestion = _suggest(sentence, literal, **given)
    assert _period(suggestion) == period, (rule, suggestion)


@pytest.mark.parametrize(
    ("sentence", "literal", "period"),
    [
        ("Next year the fund should reach 600 million yuan.", "600 million yuan", {"year": "2013"}),
        ("The plan aims at US$ 5 billion of exports by 2015.", "US$ 5 billion", {"year": "2015"}),
        (
            "Sales should reach 9 billion yuan in the fourth quarter of 2012.",
            "9 billion yuan",
            {"period_kind": "quarter", "as_of_date": "2012-12-31"},
        ),
    ],
)
def test_a_period_after_the_documents_date_is_a_target(sentence, literal, period):
    suggestion = _suggest(sentence, literal)
    assert suggestion.value["obs_status"] == "F"
    assert period.items() <= suggestion.value.items()
    assert "target: after the document's date 2012-03-01" in suggestion.via


def test_a_period_before_or_around_the_documents_date_is_no_target():
    suggestion = _suggest("Sales were 7 billion yuan in the fourth quarter of 2011.", "7 billion yuan")
    assert "obs_status" not in suggestion.value and "target" not in suggestion.via
    # a year the document's date falls in, or a span back from it, is what the document saw
    for sentence, literal in (
        ("This year sales have reached 2 billion yuan.", "2 billion yuan"),
        ("Over the past five years sales rose 8%.", "8%"),
    ):
        assert "obs_status" not in _suggest(sentence, literal).value
    # with the year alone, a period in that year is no target: its 31 December is the document's date
    this_year = _suggest("Sales were 7 billion yuan in 2012.", "7 billion yuan", published=None)
    assert "obs_status" not in this_year.value


def test_confidence_follows_how_direct_the_evidence_is():
    literal = "3.1 billion yuan"
    beside = _suggest(f"Members sold {literal} in 2010.", literal)
    in_sentence = _suggest(f"In 2010, after a long and difficult search for buyers, members sold {literal}.", literal)
    earlier = _suggest(f"Members sold {literal}.", literal, earlier="The park grew fast in 2010. ")
    heading = _suggest(f"Members sold {literal}.", literal, section="2010 in review")
    nothing = _suggest(f"Members sold {literal}.", literal)
    assert [_period(s) for s in (beside, in_sentence, earlier, heading)] == [YEAR_2010] * 4
    confidences = [s.confidence for s in (beside, in_sentence, earlier, heading, nothing)]
    assert confidences == sorted(confidences, reverse=True) and len(set(confidences)) == 5, confidences
    assert "next to the literal" in beside.via and "earlier in the paragraph" in earlier.via
    assert "heading" in heading.via


def test_nothing_found_is_unspecified_with_low_confidence_and_the_documents_year_as_alternative():
    suggestion = _suggest("Members sold 3.1 billion yuan.", "3.1 billion yuan")
    assert suggestion.value == {
        "period_kind": "unspecified",
        "year": "",
        "start_year": "",
        "end_year": "",
        "as_of_date": "",
    }
    assert suggestion.confidence < 0.2
    assert [value["year"] for value, _ in suggestion.alternatives] == ["2012"]


def test_the_next_candidates_are_the_alternatives_nearest_first():
    suggestion = _suggest(
        "In 2011 members sold 3.1 billion yuan, against 2.6 billion yuan in 2010.",
        "3.1 billion yuan",
        earlier="The cluster was founded in 2004. ",
        section="Sales 2005-2011",
    )
    assert _period(suggestion) == {"period_kind": "year", "year": "2011"}
    assert [_period(value) for value, _ in suggestion.alternatives] == [
        YEAR_2010,
        {"period_kind": "year", "year": "2004"},
    ]
    assert suggestion.confidence >= suggestion.alternatives[0][1] > suggestion.alternatives[1][1]


def test_a_relative_date_in_the_sentence_beats_a_year_earlier_in_the_paragraph():
    suggestion = _suggest("Last year its sales were 7 billion yuan.", "7 billion yuan", earlier="It opened in 2006. ")
    assert _period(suggestion) == {"period_kind": "year", "year": "2011"}
    assert "the document's date 2012-03-01" in suggestion.via
