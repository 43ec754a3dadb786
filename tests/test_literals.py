"""The literal parser reads every printed form the documents use, and fails only with a clear parse error."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.literals import LiteralParseError, parse_literal, parse_unit_label


@pytest.mark.parametrize(
    ("text", "label", "value", "high", "decimals", "scale", "currency", "unit", "comparator"),
    [
        ("US\\$ 2.007 billion", "", "2.007", None, 3, 9, "USD", "USD", "eq"),
        ("US $2 billion", "", "2", None, 0, 9, "USD", "USD", "eq"),
        ("RMB 29,085 billion", "", "29085", None, 0, 9, "CNY", "CNY", "eq"),
        ("approximately 500", "", "500", None, 0, 0, None, None, "approx"),
        ("45 to 50%", "", "45", "50", 0, 0, None, "percent", "range"),
        ("over 200 million yuan", "", "200", None, 0, 6, "CNY", "CNY", "gt"),
        ("2.31 times", "", "2.31", None, 2, 0, None, "times", "eq"),
        ("10.01", "10 <sup>8</sup> yuan", "10.01", None, 2, 8, "CNY", "CNY", "eq"),
        ("20.07", "US$ 100 million", "20.07", None, 2, 8, "USD", "USD", "eq"),
        ("26.90%", "", "26.90", None, 2, 0, None, "percent", "eq"),
        ("35", "10 <sup>8</sup> yuan", "35", None, 0, 8, "CNY", "CNY", "eq"),
        ("16,289 U.S. dollars", "", "16289", None, 0, 0, "USD", "USD", "eq"),
        ("20.3 billion yen", "", "20.3", None, 1, 9, "JPY", "JPY", "eq"),
        ("148.88 million dollars", "", "148.88", None, 2, 6, "USD", "USD", "eq"),
        ("50th", "", "50", None, 0, 0, None, "rank", "eq"),
        ("third", "", "3", None, 0, 0, None, "rank", "eq"),
        ("second-largest", "", "2", None, 0, 0, None, "rank", "eq"),
        # a superlative, with or without "the", ranks its subject first
        ("the highest", "", "1", None, 0, 0, None, "rank", "eq"),
        ("highest", "", "1", None, 0, 0, None, "rank", "eq"),
        ("the largest", "", "1", None, 0, 0, None, "rank", "eq"),
        ("The Biggest", "", "1", None, 0, 0, None, "rank", "eq"),
        ("the highest percentage", "", "1", None, 0, 0, None, "rank", "eq"),
        ("a sixfold increase", "", "6", None, 0, 0, None, "times", "eq"),
        ("about three square kilometers", "", "3", None, 0, 0, None, "km2", "approx"),
        ("up by more than 60%", "", "60", None, 0, 0, None, "percent", "gt"),
        ("64+1 countries", "", "65", None, 0, 0, None, None, "eq"),
        ("several million dollars", "", "2", "9", 0, 6, "USD", "USD", "range"),
        ("46.40", "%", "46.40", None, 2, 0, None, "percent", "eq"),
        # a currency printed as its code or sign, before or after the number
        ("USD 0.86 billion", "", "0.86", None, 2, 9, "USD", "USD", "eq"),
        ("CNY 3.2 billion", "", "3.2", None, 1, 9, "CNY", "CNY", "eq"),
        ("€40 million", "", "40", None, 0, 6, "EUR", "EUR", "eq"),
        ("EUR 7.5 million", "", "7.5", None, 1, 6, "EUR", "EUR", "eq"),
        ("40 million euros", "", "40", None, 0, 6, "EUR", "EUR", "eq"),
        ("JPY 120 billion", "", "120", None, 0, 9, "JPY", "JPY", "eq"),
        ("¥ 5 billion", "", "5", None, 0, 9, "CNY", "CNY", "eq"),
        ("0.86 billion USD", "", "0.86", None, 2, 9, "USD", "USD", "eq"),
        ("120 billion JPY", "", "120", None, 0, 9, "JPY", "JPY", "eq"),
        ("3.2 billion CNY", "", "3.2", None, 1, 9, "CNY", "CNY", "eq"),
    ],
)
def test_reads_the_printed_forms(text, label, value, high, decimals, scale, currency, unit, comparator):
    q = parse_literal(text, label)
    assert q.value == Decimal(value)
    assert q.value_high == (Decimal(high) if high else None)
    assert (q.decimals, q.scale, q.currency, q.unit, q.comparator) == (decimals, scale, currency, unit, comparator)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "n/a", "/", "US$ billion", "50 to 45%", "the", "the high", "higher", "the highestness", "largely"],
)
def test_rejects_what_is_not_a_quantity(text):
    with pytest.raises(LiteralParseError):
        parse_literal(text)


def test_a_superlative_is_rank_one_whatever_a_table_label_says():
    q = parse_literal("the highest", "%")
    assert (q.value, q.unit, q.scale, q.currency) == (Decimal(1), "rank", 0, None)


def test_rejects_an_unknown_unit_label():
    with pytest.raises(LiteralParseError, match="cannot read"):
        parse_unit_label("furlongs per fortnight")


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40), st.text(max_size=20))
def test_never_crashes(text, label):
    try:
        parse_literal(text, label)
    except LiteralParseError:
        pass


_MULTIPLIER_WORDS = {0: "", 3: " thousand", 6: " million", 9: " billion"}


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value=0, max_value=10**7, places=3, allow_nan=False, allow_infinity=False),
    st.sampled_from(sorted(_MULTIPLIER_WORDS)),
    st.sampled_from(["yuan", "U.S. dollars", "yen", "%"]),
    st.sampled_from(["", "approximately ", "over "]),
    st.booleans(),
)
def test_round_trips_generated_literals(number, scale, unit, qualifier, thousands):
    printed = f"{number:,}" if thousands else f"{number}"
    suffix = unit if unit == "%" else f"{_MULTIPLIER_WORDS[scale]} {unit}"
    q = parse_literal(f"{qualifier}{printed}{suffix}")
    assert q.value == number
    assert q.decimals == max(0, -number.as_tuple().exponent)
    assert q.scale == (0 if unit == "%" else scale)
    assert q.comparator == {"": "eq", "approximately ": "approx", "over ": "gt"}[qualifier]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(
                st.builds(
                    lambda n, suffix: f"{n}{suffix}",
                    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
                    st.sampled_from(["", "%"]),
                ),
                st.sampled_from(["1", "1%", "about 3 km2", "US$ 2.007 billion", "45 to 50%", "n/a"]),
            ),
            st.sampled_from([None, "US$ 100 million", "10 <sup>8</sup> yuan", "%", "furlongs"]),
            st.sampled_from([None, "US$ 100 million"]),
        ),
        min_size=1,
        max_size=8,
        unique=True,
    )
)
def test_the_validators_table_cell_shortcut_reads_as_the_parser_does(literals):
    import duckdb

    from orchestration.ingest.validation.figures import read_literals

    with duckdb.connect() as con:
        con.execute("create table literals (stated_text varchar, unit_as_printed varchar, unit_interpreted varchar)")
        con.executemany("insert into literals values (?, ?, ?)", literals)
        read_literals(con, "literals")
        rows = con.execute(
            "select stated_text, unit_as_printed, unit_interpreted, error, value, decimals, scale, "
            "currency, unit, comparator from readings"
        ).fetchall()
    assert len(rows) == len(literals)
    for text, label, interpreted, error, value, decimals, scale, currency, unit, comparator in rows:
        try:
            q = parse_literal(text, label or "")
            expected = (
                q.value,
                q.decimals,
                *(parse_unit_label(interpreted) if interpreted else (q.scale, q.currency, q.unit)),
                q.comparator,
            )
        except LiteralParseError:
            expected = "error"
        assert ("error" if error else (value, decimals, scale, currency, unit, comparator)) == expected, text
