"""Claims drafted from sentences, each recomputed at once: the patterns on sentences in our own words with invented
figures, and the recomputation's parity with marts.claim_checks on every claim of the sources."""

from __future__ import annotations

import math
import shutil

import duckdb
import pytest

from conftest import SOURCES, read_rows, write_rows
from orchestration.corpus.claim_drafts import (
    CLAIM_ID_PLACEHOLDER,
    ClaimDraft,
    Rates,
    Reference,
    draft_claims,
    load_corpus,
    load_reference,
    recompute,
)
from orchestration.corpus.suggestion import Context
from orchestration.corpus.text import Place
from orchestration.dbt_vars import dbt_var
from orchestration.ingest.literals import parse_literal

DOCUMENT, OTHER = "riverton_review_2013", "riverton_yearbook_2012"
REFERENCE = Reference(
    indicator_unit_kinds={"software_firms": "count", "software_sales": "currency"},
    measure_unit_kinds={"growth_pct": "growth", "share_pct": "percent", "multiple": "ratio", "rank": "rank"},
    rates={2012: Rates(cny=6.31, cny_fred=6.30)},
)


def _row(figure_id, literal, year=None, *, measure="level", entity="riverton", indicator="software_sales", **more):
    """A reviewed figure row in figures.csv's columns, its numbers as the project's literal parser reads them."""
    quantity = parse_literal(literal)
    span = "start_year" in more
    return {
        "figure_id": figure_id,
        "document_id": more.get("document", DOCUMENT),
        "section": more.get("section", "Software output"),
        "entity_type": "geography",
        "entity_id": entity,
        "indicator_code": indicator,
        "measure": measure,
        "period_kind": "span" if span else "year" if year else "unspecified",
        "year": "" if year is None else str(year),
        "start_year": str(more.get("start_year", "")),
        "end_year": str(more.get("end_year", "")),
        "stated_text": literal,
        "value": str(quantity.value),
        "value_high": "" if quantity.value_high is None else str(quantity.value_high),
        "decimals": str(quantity.decimals),
        "scale": str(quantity.scale),
        "unit": more.get("unit") or quantity.unit or "",
        "currency": quantity.currency or "",
        "comparator": quantity.comparator,
        "review_status": "reviewed",
    }


def _sentence(text: str, *rows: dict, line: int = 1) -> list[tuple[dict, Context]]:
    """Each row paired with where its literal is printed in `text` (the rows in the order they are printed)."""
    printed, cursor = [], 0
    for row in rows:
        position = text.index(row["stated_text"], cursor)
        cursor = position + len(row["stated_text"])
        quantity = parse_literal(row["stated_text"])
        place = Place("Software output", line)
        context = Context(
            row["stated_text"], quantity, None, place, line, text, position, text, "", "T", "report", None, 2013
        )
        printed.append((row, context))
    return printed


def _cell(row: dict, caption: str, row_label: str, column: str, line: int) -> tuple[dict, Context]:
    """A table cell's figure: its sentence is the caption and its labels (orchestration/corpus/draft.py)."""
    place = Place(row["section"], None, row_label, column)
    sentence = f"{caption} {row_label} {column}"
    quantity = parse_literal(row["stated_text"])
    return row, Context(row["stated_text"], quantity, None, place, line, sentence, 0, "", "", "T", "report", None, 2013)


def _claims(*sentences: list, corpus=()) -> dict[str, list[ClaimDraft]]:
    """The drafts by stated figure."""
    drafts = draft_claims([p for sentence in sentences for p in sentence], list(corpus), REFERENCE)
    found: dict[str, list[ClaimDraft]] = {}
    for draft in drafts:
        found.setdefault(draft.row["stated_figure_id"], []).append(draft)
    return found


def _one(drafts: dict, stated: str, kind: str) -> ClaimDraft:
    (draft,) = [d for d in drafts.get(stated, []) if d.row["claim_kind"] == kind]
    return draft


def _claimed(draft: ClaimDraft) -> tuple[str, str, str]:
    return draft.row["claim_kind"], draft.row["input_figure_ids"], draft.row["relation"]


BASE_2011 = _row("rv_f001", "50 billion yuan", 2011)
BASE_SENTENCE = "In 2011 the city's software firms sold 50 billion yuan."


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        (
            "Software sales in Riverton came to 60 billion yuan in 2012, an increase of 20% on the year before.",
            "an increase of 20%",
        ),
        ("Software sales in Riverton came to 60 billion yuan in 2012, up 20% year on year.", "up 20%"),
        ("Riverton's software sales grew 20% in 2012, to 60 billion yuan.", "20%"),
        ("In 2012 software sales grew by 20% to 60 billion yuan.", "20%"),
    ],
)
def test_a_growth_rate_takes_the_year_befores_level_as_its_base(text, literal):
    current = _row("rv_f002", "60 billion yuan", 2012)
    growth = _row("rv_f003", literal, 2012, measure="growth_pct")
    rows = sorted([current, growth], key=lambda r: text.index(r["stated_text"]))
    drafts = _claims(_sentence(BASE_SENTENCE, BASE_2011, line=1), _sentence(text, *rows, line=2))
    draft = _one(drafts, "rv_f003", "growth")
    assert _claimed(draft) == ("growth", "rv_f001;rv_f002", "eq")
    assert draft.row["statement"] == text and draft.row["claim_id"] == CLAIM_ID_PLACEHOLDER
    assert (draft.row["document_id"], draft.row["section"], draft.row["paragraph"]) == (
        DOCUMENT,
        "Software output",
        "2",
    )
    assert draft.via == "growth" and draft.cross_document == ()


def test_a_growth_row_of_a_table_takes_the_tables_levels():
    caption, table = "Table 1 Software sales (billion yuan)", dict(section="Table 1")
    cells = [
        _cell(_row("rv_t01", "50.0", 2011, **table), caption, "Sales", "2011", 3),
        _cell(_row("rv_t02", "60.0", 2012, **table), caption, "Sales", "2012", 3),
        _cell(
            _row("rv_t03", "20.00", 2012, measure="growth_pct", unit="percent", **table), caption, "Growth", "2012", 4
        ),
    ]
    for row, _ in cells[:2]:
        row.update(scale="9", unit="CNY", currency="CNY")
    # the same year's sales printed again in the prose, more precisely and with a lower id
    prose = _sentence("Sales reached 60.04 billion yuan in 2012.", _row("rv_f001", "60.04 billion yuan", 2012), line=1)
    draft = _one(_claims(prose, *[[cell] for cell in cells]), "rv_t03", "growth")
    assert (_claimed(draft), draft.via) == (("growth", "rv_t01;rv_t02", "eq"), "growth_table_row")
    assert (draft.row["section"], draft.row["table_row"], draft.row["table_column"]) == ("Table 1", "Growth", "2012")


def test_a_tentative_verdict_for_a_consistent_and_an_inconsistent_growth():
    def verdict(rate: str):
        text = f"Software sales in Riverton came to 60 billion yuan in 2012, up {rate} on the year before."
        rows = _row("rv_f002", "60 billion yuan", 2012), _row("rv_f003", f"up {rate}", 2012, measure="growth_pct")
        drafts = _claims(_sentence(BASE_SENTENCE, BASE_2011), _sentence(text, *rows, line=2))
        return _one(drafts, "rv_f003", "growth").recomputation

    right, wrong = verdict("20%"), verdict("25%")
    assert (right.verdict, wrong.verdict) == ("consistent", "inconsistent")
    # 60 / 50 - 1 with each printed to the nearest billion: 19.78% to 20.22%
    assert right.recomputed == pytest.approx(20) and right.stated == 20
    assert (right.low, right.high) == (pytest.approx(59.5 / 50.5 * 100 - 100), pytest.approx(60.5 / 49.5 * 100 - 100))


def test_a_base_printed_only_by_another_document_is_a_cross_document_input():
    text = "Software sales in Riverton came to 60 billion yuan in 2012, up 20% on the year before."
    rows = _row("rv_f002", "60 billion yuan", 2012), _row("rv_f003", "up 20%", 2012, measure="growth_pct")
    corpus = [
        _row("yb_f007", "50.1 billion yuan", 2011, document=OTHER),
        _row("yb_f008", "49 billion yuan", 2011, document=OTHER),  # less precise
        _row("yb_f009", "50 billion yuan", 2011, document=OTHER, entity="lakeside"),
    ]
    draft = _one(_claims(_sentence(text, *rows), corpus=corpus), "rv_f003", "growth")
    assert _claimed(draft) == ("growth", "yb_f007;rv_f002", "eq")
    assert draft.cross_document == ("yb_f007",) and draft.recomputation.verdict == "consistent"
    own = _one(_claims(_sentence(BASE_SENTENCE, BASE_2011), _sentence(text, *rows, line=2)), "rv_f003", "growth")
    assert draft.confidence < own.confidence
    # a figure pinned in preferred_figures.csv stands for its fact
    pinned = Reference(
        REFERENCE.indicator_unit_kinds, REFERENCE.measure_unit_kinds, REFERENCE.rates, frozenset({"yb_f008"})
    )
    chosen = draft_claims(_sentence(text, *rows), corpus, pinned)
    assert [d.row["input_figure_ids"] for d in chosen] == ["yb_f008;rv_f002"]


def test_a_growth_without_its_base_says_what_the_document_prints():
    text = "Software sales in Riverton came to 60 billion yuan in 2012, up 20% on the year before."
    rows = _row("rv_f002", "60 billion yuan", 2012), _row("rv_f003", "up 20%", 2012, measure="growth_pct")
    only_current = _one(_claims(_sentence(text, *rows)), "rv_f003", "growth")
    assert _claimed(only_current) == ("growth", "rv_f002", "part_only")
    assert only_current.recomputation.verdict == "unverifiable"
    # neither the base nor the current level anywhere: the nearest years of the same quantity, for context
    text = "Software sales in Riverton rose 20% in 2012."
    corpus = [
        _row("yb_f001", "30 billion yuan", 2008, document=OTHER),
        _row("yb_f002", "41 billion yuan", 2010, document=OTHER),
    ]
    rate = _row("rv_f003", "20%", 2012, measure="growth_pct")
    neither = _one(_claims(_sentence(text, rate), corpus=corpus), "rv_f003", "growth")
    assert _claimed(neither) == ("growth", "yb_f002;yb_f001", "no_base")
    assert neither.recomputation.verdict == "unverifiable" and neither.confidence < only_current.confidence


def test_respectively_pairs_each_rate_with_its_level():
    text = "Exports and sales reached US$ 2.2 billion and US$ 6.0 billion in 2012, up 10% and 20% respectively."
    exports = dict(indicator="software_exports")
    rows = (
        _row("rv_f010", "US$ 2.2 billion", 2012, **exports),
        _row("rv_f011", "US$ 6.0 billion", 2012),
        _row("rv_f012", "up 10%", measure="growth_pct"),  # drafted: no entity, indicator or year yet
        _row("rv_f013", "20%", measure="growth_pct"),
    )
    for row in rows[2:]:
        row.update(entity_id="", indicator_code="")
    base = "A year earlier they had been US$ 2.0 billion and US$ 5.0 billion."
    bases = _row("rv_f008", "US$ 2.0 billion", 2011, **exports), _row("rv_f009", "US$ 5.0 billion", 2011)
    drafts = _claims(_sentence(base, *bases), _sentence(text, *rows, line=2))
    assert _claimed(_one(drafts, "rv_f012", "growth")) == ("growth", "rv_f008;rv_f010", "eq")
    assert _claimed(_one(drafts, "rv_f013", "growth")) == ("growth", "rv_f009;rv_f011", "eq")
    assert {d.via for d in drafts["rv_f012"] + drafts["rv_f013"]} == {"respectively"}
    assert {d.recomputation.verdict for d in drafts["rv_f012"] + drafts["rv_f013"]} == {"consistent"}


@pytest.mark.parametrize(("verb", "relation"), [("rose", "gt"), ("fell", "lt")])
def test_from_a_to_b_states_the_end_against_the_start(verb, relation):
    text = f"The number of software firms {verb} from 400 in 2010 to 520 in 2012."
    firms = dict(indicator="software_firms", unit="firms")
    rows = _row("rv_f020", "400", 2010, **firms), _row("rv_f021", "520", 2012, **firms)
    draft = _one(_claims(_sentence(text, *rows)), "rv_f021", "from_to")
    assert _claimed(draft) == ("from_to", "rv_f020", relation)
    assert draft.recomputation.verdict == ("consistent" if relation == "gt" else "gross_inconsistency")


def test_an_average_annual_growth_compounds_from_its_start_to_its_end():
    text = "Between 2008 and 2012 sales grew 15.0% a year on average."
    start, end = _row("rv_f030", "20 billion yuan", 2008), _row("rv_f031", "35 billion yuan", 2012)
    rate = _row("rv_f032", "15.0%", measure="avg_annual_growth_pct", start_year=2008, end_year=2012)
    levels = "Sales were 20 billion yuan in 2008 and 35 billion yuan in 2012."
    drafts = _claims(_sentence(levels, start, end), _sentence(text, rate, line=2))
    draft = _one(drafts, "rv_f032", "avg_growth")
    assert _claimed(draft) == ("avg_growth", "rv_f030;rv_f031", "eq")
    # (35 / 20) ^ (1/4) - 1 = 15.0%
    assert draft.recomputation.recomputed == pytest.approx(15.016, abs=1e-3)
    assert draft.recomputation.verdict == "consistent"
    # the ends of a "from A to B" in the same sentence, when printed there
    text = "Sales went from 20 billion yuan in 2008 to 35 billion yuan in 2012, 15.0% a year on average."
    rate = _row("rv_f032", "15.0%", 2012, measure="avg_annual_growth_pct")
    drafts = _claims(_sentence(text, start, end, rate))
    assert _claimed(_one(drafts, "rv_f032", "avg_growth")) == ("avg_growth", "rv_f030;rv_f031", "eq")


def test_of_which_and_out_of_are_parts_within_their_whole():
    text = "Outsourcing came to US$ 3.0 billion in 2012, of which US$ 1.8 billion was offshore."
    rows = _row("rv_f040", "US$ 3.0 billion", 2012), _row("rv_f041", "US$ 1.8 billion", 2012, indicator="offshore")
    draft = _one(_claims(_sentence(text, *rows)), "rv_f040", "sum")
    assert (_claimed(draft), draft.via, draft.recomputation.verdict) == (
        ("sum", "rv_f041", "of_which"),
        "of_which",
        "consistent",
    )
    text = "Of the city's 29 colleges, 15 out of 29 teach Japanese."
    rows = _row("rv_f042", "15", 2012, unit="colleges"), _row("rv_f043", "29", 2012, unit="colleges")
    draft = _one(_claims(_sentence(text, *rows)), "rv_f043", "sum")
    assert (_claimed(draft), draft.via) == (("sum", "rv_f042", "of_which"), "out_of")


def test_a_percent_of_a_whole_is_a_share_of_part_and_whole():
    text = "Offshore work earned US$ 1.8 billion, 60% of the city's outsourcing income of US$ 3.0 billion."
    rows = (
        _row("rv_f050", "US$ 1.8 billion", 2012, indicator="offshore"),
        _row("rv_f051", "60%", 2012, measure="share_pct", indicator="offshore"),
        _row("rv_f052", "US$ 3.0 billion", 2012, indicator="outsourcing"),
    )
    draft = _one(_claims(_sentence(text, *rows)), "rv_f051", "share")
    assert (_claimed(draft), draft.recomputation.verdict) == (("share", "rv_f050;rv_f052", "eq"), "consistent")
    # the whole in yuan: the share compares in US$ at the year's rate
    text = "Offshore work earned US$ 1.8 billion, 60% of the city's outsourcing income of 19 billion yuan."
    rows = rows[:2] + (_row("rv_f052", "19 billion yuan", 2012, indicator="outsourcing"),)
    draft = _one(_claims(_sentence(text, *rows)), "rv_f051", "fx_share")
    assert _claimed(draft) == ("fx_share", "rv_f050;rv_f052", "eq")
    assert (draft.recomputation.compared_in, draft.recomputation.verdict) == ("USD", "consistent")
    # the whole's least in US$ at the higher of the two rates, its most at the lower: the widest share
    low, high = 1.75e9 / (19.5e9 / 6.30) * 100, 1.85e9 / (18.5e9 / 6.31) * 100
    assert (draft.recomputation.low, draft.recomputation.high) == (pytest.approx(low), pytest.approx(high))


def test_n_times_is_a_multiple_of_numerator_over_denominator():
    text = "The number of software firms rose from 200 in 2008 to 600 in 2012, three times as many."
    firms = dict(indicator="software_firms", unit="firms")
    rows = (
        _row("rv_f060", "200", 2008, **firms),
        _row("rv_f061", "600", 2012, **firms),
        _row("rv_f062", "three times", measure="multiple", start_year=2008, end_year=2012, **firms),
    )
    draft = _one(_claims(_sentence(text, *rows)), "rv_f062", "multiple")
    assert (_claimed(draft), draft.recomputation.verdict) == (("multiple", "rv_f061;rv_f060", "eq"), "consistent")
    text = "The new park covers 12 square kilometres, four times as large as the old park's 3 square kilometres."
    area = dict(indicator="park_area")
    rows = (
        _row("rv_f063", "12 square kilometres", 2012, entity="new_park", **area),
        _row("rv_f064", "four times", measure="multiple", entity="new_park", **area),
        _row("rv_f065", "3 square kilometres", 2012, entity="old_park", **area),
    )
    draft = _one(_claims(_sentence(text, *rows)), "rv_f064", "multiple")
    assert _claimed(draft) == ("multiple", "rv_f063;rv_f065", "eq")


def test_ranked_nth_lists_the_ranked_levels_largest_first():
    text = (
        "Among software cities Lakeside ranked 5th with 40 billion yuan and Riverton ranked 3rd with 60 billion yuan."
    )
    rows = (
        _row("rv_f071", "5th", 2012, measure="rank", entity="lakeside"),
        _row("rv_f072", "40 billion yuan", 2012, entity="lakeside"),
        _row("rv_f073", "3rd", 2012, measure="rank"),
        _row("rv_f074", "60 billion yuan", 2012),
    )
    draft = _one(_claims(_sentence(text, *rows)), "rv_f074", "rank")
    assert (_claimed(draft), draft.via, draft.recomputation.verdict) == (
        ("rank", "rv_f074;rv_f072", "gt"),
        "ranked",
        "consistent",
    )


def test_parts_totalling_a_whole_are_a_sum():
    text = (
        "Of the city's outsourcing, ITO brought US$ 0.9 billion, BPO US$ 0.5 billion and KPO US$ 0.3 billion, "
        "totalling US$ 1.7 billion."
    )
    rows = (
        _row("rv_f080", "US$ 0.9 billion", 2012, indicator="ito"),
        _row("rv_f081", "US$ 0.5 billion", 2012, indicator="bpo"),
        _row("rv_f082", "US$ 0.3 billion", 2012, indicator="kpo"),
        _row("rv_f083", "US$ 1.7 billion", 2012, indicator="outsourcing"),
    )
    draft = _one(_claims(_sentence(text, *rows)), "rv_f083", "sum")
    assert (_claimed(draft), draft.via) == (("sum", "rv_f080;rv_f081;rv_f082", "eq"), "total")
    assert draft.recomputation.verdict == "consistent"
    wrong = draft_claims(
        _sentence(text.replace("1.7", "2.7"), *rows[:3], _row("rv_f083", "US$ 2.7 billion", 2012)), [], REFERENCE
    )
    assert [d.recomputation.verdict for d in wrong] == ["inconsistent"]


def test_a_sentence_relating_nothing_drafts_no_claim():
    text = "Riverton's software firms sold 60 billion yuan in 2012 and paid tax at 25%, employing 120,000 people."
    rows = (
        _row("rv_f090", "60 billion yuan", 2012),
        _row("rv_f091", "25%", 2012, indicator="tax_rate"),
        _row("rv_f092", "120,000", 2012, indicator="employees", unit="persons"),
    )
    assert draft_claims(_sentence(text, *rows), [], REFERENCE) == []


def test_a_targets_money_is_converted_at_its_documents_publication_year(tmp_path):
    for name in ("indicators.csv", "measures.csv", "fx_rates.csv"):
        shutil.copy(SOURCES / name, tmp_path / name)
    documents = [dict(document_id=DOCUMENT, year="2012", published=""), dict(document_id=OTHER, published="2012-06-30")]
    write_rows(tmp_path / "documents.csv", ["document_id", "year", "published"], documents)
    reference = load_reference(tmp_path)

    def recomputed(kind: str, *rows: dict, obs_status: str = "F"):
        figures = {row["figure_id"]: {**row, "obs_status": row.get("obs_status", obs_status)} for row in rows}
        claim = dict(claim_kind=kind, stated_figure_id=rows[0]["figure_id"], relation="eq")
        return recompute({**claim, "input_figure_ids": ";".join(f["figure_id"] for f in rows[1:])}, figures, reference)

    # a 2012 document's targets for 2015 in US$ and in yuan: the same amount at 2012's 6.3123 yuan per US$ (the
    # rate the document knew), not at 2015's 6.2275
    dollars, yuan = _row("rv_f100", "US$ 5.00 billion", 2015), _row("rv_f101", "31.56 billion yuan", 2015)
    target = recomputed("same_total", dollars, yuan)
    assert (target.compared_in, target.verdict) == ("USD", "consistent")
    assert target.recomputed == pytest.approx(31.56e9 / 6.3123)
    # the same figures as actual values take their own year's rate, and no longer agree
    actual = recomputed("same_total", dollars, yuan, obs_status="A")
    assert actual.recomputed == pytest.approx(31.56e9 / 6.2275) and actual.verdict != "consistent"
    # a document printing only its publication date is published in that date's year
    elsewhere = ({**row, "document_id": OTHER} for row in (dollars, yuan))
    assert recomputed("same_total", *elsewhere).recomputed == pytest.approx(31.56e9 / 6.3123)
    # the target still refers to 2015: growth up to it compounds over 2010 to 2015, (5.00 / 4.00)^(1/5) - 1
    rate = _row("rv_f102", "4.6%", measure="avg_annual_growth_pct", start_year=2010, end_year=2015)
    base = {**_row("rv_f103", "US$ 4.00 billion", 2010), "obs_status": "A"}
    growth = recomputed("avg_growth", rate, base, yuan)
    assert growth.recomputed == pytest.approx(100 * ((31.56e9 / 6.3123 / 4e9) ** (1 / 5) - 1))
    assert growth.verdict == "consistent"


def _checked(kind: str, stated: dict, *inputs: dict, relation: str = "eq"):
    """A claim of `kind` recomputed from figure rows: the stated figure's, then one operand per input."""
    figures = {row["figure_id"]: row for row in (stated, *inputs)}
    ids = ";".join(row["figure_id"] for row in inputs)
    claim = dict(claim_kind=kind, stated_figure_id=stated["figure_id"], relation=relation, input_figure_ids=ids)
    return recompute(claim, figures, REFERENCE)


@pytest.mark.parametrize(
    ("literal", "indicator", "measure", "low"),
    [
        ("less than 2 billion yuan", "software_sales", "level", 0.0),
        ("fewer than 30", "software_firms", "level", 0.0),
        ("less than 10%", "software_sales", "share_pct", 0.0),
        ("less than 3 times", "software_sales", "multiple", 0.0),
        ("less than 5%", "software_sales", "growth_pct", -100.0),
        ("under 20", "an_unknown_indicator", "level", -math.inf),  # of no known kind: no floor
    ],
)
def test_less_than_reaches_down_to_what_the_quantity_can_be_not_below(literal, indicator, measure, low):
    stated = _row("rv_f200", "60 billion yuan", 2012)
    operand = _row("rv_f201", literal, 2012, indicator=indicator, measure=measure)
    # a magnitude recomputes its operand's interval as it is
    assert _checked("magnitude", stated, operand).low == low


def test_a_growth_from_a_base_printed_less_than_is_checked_on_the_side_it_bounds():
    base, later = _row("rv_f210", "less than 2 billion yuan", 2010), _row("rv_f211", "8 billion yuan", 2012)

    def growth(rate: str):
        stated = _row("rv_f212", rate, measure="avg_annual_growth_pct", start_year=2010, end_year=2012)
        return _checked("avg_growth", stated, base, later)

    # (7.5 / 2) ^ (1/2) - 1 at least, and no upper end: the base may be near 0
    right, wrong = growth("100%"), growth("50%")
    assert (right.verdict, right.low, right.high) == ("consistent", pytest.approx(100 * (3.75**0.5 - 1)), math.inf)
    assert wrong.verdict == "inconsistent"


def test_a_check_only_a_less_than_figures_floor_decides_cannot_fail():
    under, plain = _row("rv_f220", "less than 20 billion yuan", 2012), _row("rv_f221", "15 billion yuan", 2012)
    # 15 exceeds "less than 20" unless it were below 0; "less than 50" is below 15 unless 15 were near 0
    assert _checked("bound", plain, under, relation="gt").verdict == "unverifiable"
    stated_under = _row("rv_f222", "less than 50 billion yuan", 2012)
    assert _checked("bound", stated_under, plain, relation="lt").verdict == "unverifiable"
    # parts only bounded above never exceed a whole; one plain part beside them still can
    whole, big = _row("rv_f223", "10 billion yuan", 2012), _row("rv_f224", "12 billion yuan", 2012)
    assert _checked("sum", whole, under, relation="of_which").verdict == "unverifiable"
    assert _checked("sum", whole, under, big, relation="of_which").verdict == "gross_inconsistency"


def _close(x: float | None, y: float | None) -> bool:
    if x is None or y is None:
        return x is y
    return x == y or math.isclose(x, y, rel_tol=1e-9)


def test_the_recomputation_gives_every_claim_of_the_sources_the_verdict_claim_checks_gives(built_warehouse):
    figures = {
        row["figure_id"]: row
        for path in sorted((SOURCES / "figures").glob("*.csv"))
        for row in read_rows(path)[1]
        if row["review_status"] == "reviewed"
    }
    claims = [row for path in sorted((SOURCES / "claims").glob("*.csv")) for row in read_rows(path)[1]]
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        # and the claims the identities derive, which no file holds
        derived = con.sql(
            "select claim_id, document_id, claim_kind, stated_figure_id, input_figure_ids, relation "
            "from marts.claim_checks where claim_origin = 'derived'"
        )
        claims += [dict(zip(derived.columns, row, strict=True)) for row in derived.fetchall()]
        checked = {
            row[0]: row[1:]
            for row in con.sql(
                "select claim_id, verdict, recomputed_value, recomputed_low, recomputed_high, stated_value, "
                "compared_in from marts.claim_checks"
            ).fetchall()
        }
    assert sorted(checked) == sorted(c["claim_id"] for c in claims)
    reference = load_reference(SOURCES)
    differ = {}
    for claim in claims:
        mine = recompute(claim, figures, reference)
        verdict, value, low, high, stated, compared_in = checked[claim["claim_id"]]
        same = (
            mine.verdict == verdict
            and mine.compared_in == compared_in
            and all(
                _close(a, b)
                for a, b in zip(
                    (mine.recomputed, mine.low, mine.high, mine.stated), (value, low, high, stated), strict=True
                )
            )
        )
        if not same:
            differ[claim["claim_id"]] = (mine, (verdict, value, low, high, stated, compared_in))
    assert not differ
    # the sources give every verdict, so a rule of each that drifts shows
    assert {verdict for verdict, *_ in checked.values()} == set(dbt_var("claim_verdicts"))


def test_the_corpus_is_the_other_documents_reviewed_figures(tmp_path):
    figures = tmp_path / "figures"
    figures.mkdir()
    fields = ["figure_id", "document_id", "review_status"]
    write_rows(
        figures / f"{DOCUMENT}.csv", fields, [dict(figure_id="rv_f001", document_id=DOCUMENT, review_status="reviewed")]
    )
    rows = [
        dict(figure_id="yb_f001", document_id=OTHER, review_status="reviewed"),
        dict(figure_id="yb_f002", document_id=OTHER, review_status="draft"),
    ]
    write_rows(figures / f"{OTHER}.csv", fields, rows)
    assert [row["figure_id"] for row in load_corpus(tmp_path, DOCUMENT)] == ["yb_f001"]
