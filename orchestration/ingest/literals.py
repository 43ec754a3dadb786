"""Read a figure's printed literal ("US$ 2.007 billion", "approximately 500", "45 to 50%") into a quantity.

The curated columns of `sources/figures/*.csv` are checked against this reading, so a typo in either the
literal or the numbers is caught at ingest. The parser only reads; it never rounds or corrects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..dbt_vars import dbt_var
from .number_words import FEW, FEW_SPAN, WORDS_BODY, read_words


class LiteralParseError(ValueError):
    """The literal cannot be read as a quantity; the message says which part failed."""


@dataclass(frozen=True)
class Quantity:
    value: Decimal
    value_high: Decimal | None
    decimals: int
    scale: int
    currency: str | None
    unit: str | None  # percent, times, rank, km2, or None when the indicator decides (counts)
    comparator: str  # eq, approx, gt, lt, ge, le, range


def _compiled(table: list[tuple[str, object]], tail: str) -> list[tuple[re.Pattern, object]]:
    """Each pattern of `table`, compiled once (a long text's literals are read by the tens of thousands), to match
    at the start of a text in any case, with what follows it (`tail`)."""
    return [(re.compile(rf"(?:{pattern}){tail}", re.IGNORECASE), value) for pattern, value in table]


_COMPARATORS = _compiled(
    [
        (r"approximately|approx\.|about|around|nearly|some|roughly", "approx"),
        (r"more than|over|exceeded|exceeding|exceeds|above", "gt"),
        (r"less than|under|below|fewer than", "lt"),
        (r"at least|no less than", "ge"),
        (r"at most|up to|no more than", "le"),
    ],
    r"\s*",
)
# "¥" is the yuan's sign in these documents (the yen's is printed "JPY" or "yen")
_CURRENCY_PREFIX = _compiled(
    [
        (r"US\s*\$|U\.S\.\s*\$|USD\b|\$", "USD"),
        (r"RMB\b|CNY\b|¥", "CNY"),
        (r"JPY\b", "JPY"),
        (r"EUR\b|€", "EUR"),
    ],
    r"\s*",
)
_CURRENCY_WORDS = _compiled(
    [
        (r"U\.S\. dollars?|US dollars?|dollars?|USD", "USD"),
        (r"yuan|RMB|CNY", "CNY"),
        (r"yen|JPY", "JPY"),
        (r"euros?|EUR", "EUR"),
    ],
    r"\b\s*",
)
# The largest power of ten a printed multiplier may have (scale 0 to MAX_SCALE: none, thousand, 10,000, million,
# 100 million, billion, trillion, or 10^N), for the parser and for the validator's check of the `scale` column.
# It is the dbt var max_scale, which fct_observation's test of scale reads too: one number for the ingest and dbt.
# dbt's to_base_units multiplies a DECIMAL(38,10) value by 10^scale from a DOUBLE pow(), exact up to 10^22; the
# validator also checks that each value times 10^scale keeps within DECIMAL(38,10)'s 28 integer digits.
MAX_SCALE: int = dbt_var("max_scale")
_MULTIPLIERS = _compiled(
    [
        (r"10\s*\^\s*(\d+)", None),  # 10^8, written out as a power
        (r"100 million", 8),
        (r"10,?000", 4),
        (r"trillion", 12),
        (r"billion", 9),
        (r"million", 6),
        (r"thousand", 3),
    ],
    r"\b\s*",
)
# words for a number that the text reading does not count (number_words.py: a lone "one" is mostly a
# determiner), read when a curated literal prints them ("one company", "a single park", "twice as large")
_NUMBER_WORDS = {
    "one": 1,
    "single": 1,
    "double": 2,
    "twice": 2,
}
_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
# a superlative ("the highest percentage among major cities") ranks its subject first: rank 1
_SUPERLATIVES = r"highest|largest|biggest"
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_ARTICLE = r"a(?!\s+(?:hundred|thousand|million|billion|trillion|dozen|score|few)\b)"
_WORD_NUM = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
# a number in words, also before "fold" ("sixfold"); a range of two in words is printed with "to" only, since a
# hyphen joins the words of one number ("twenty-nine")
_WORDS = rf"(?i:{WORDS_BODY})(?=\b|fold)"
_WORD_RANGE = rf"(?i:({WORDS_BODY}))\s+to\s+(?i:({WORDS_BODY}))\b"


def _normalise(text: str) -> str:
    text = text.replace("\\$", "$").replace("\\%", "%")
    text = re.sub(r"<sup>\s*(\d+)\s*</sup>", r"^\1", text)
    text = text.replace("–", "-").replace("—", "-").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def _decimal(token: str) -> tuple[Decimal, int]:
    plain = token.replace(",", "")
    try:
        value = Decimal(plain)
    except InvalidOperation as exc:  # pragma: no cover - the regexes only pass digits
        raise LiteralParseError(f"not a number: {token!r}") from exc
    decimals = len(plain.split(".", 1)[1]) if "." in plain else 0
    return value, decimals


def _power(digits: str) -> int:
    significant = digits.lstrip("0") or "0"
    if len(significant) > len(str(MAX_SCALE)) or int(significant) > MAX_SCALE:
        raise LiteralParseError(f"10^{digits} is above 10^{MAX_SCALE}, the largest multiplier")
    return int(significant)


def _take_prefix(text: str, table: list[tuple[re.Pattern, str]]) -> tuple[str | None, str]:
    for pattern, code in table:
        match = pattern.match(text)
        if match:
            return code, text[match.end() :]
    return None, text


def _read_unit(rest: str) -> tuple[int, str | None, str | None, str]:
    """Read multiplier, currency and unit from the words after the number; return what is left."""
    scale = 0
    currency = None
    unit = None
    rest = rest.strip()
    for pattern, power in _MULTIPLIERS:
        match = pattern.match(rest)
        if match:
            scale = _power(match.group(1)) if power is None else power
            rest = rest[match.end() :]
            break
    if rest.startswith("%"):
        return scale, currency, "percent", rest[1:].strip()
    match = re.match(r"percent\b\s*", rest, flags=re.IGNORECASE)
    if match:
        return scale, currency, "percent", rest[match.end() :]
    for pattern, code in _CURRENCY_WORDS:
        match = pattern.match(rest)
        if match:
            return scale, code, code, rest[match.end() :]
    match = re.match(r"(?:-?fold|times)\b\s*", rest, flags=re.IGNORECASE)
    if match:
        return scale, currency, "times", rest[match.end() :]
    match = re.match(r"square kilomet(?:er|re)s?\b\s*|km2|km²", rest, flags=re.IGNORECASE)
    if match:
        return scale, currency, "km2", rest[match.end() :]
    return scale, currency, unit, rest


def parse_unit_label(label: str) -> tuple[int, str | None, str | None]:
    """Read a table's unit label ("US$ 100 million", "10 <sup>8</sup> yuan", "%") into scale, currency, unit."""
    text = _normalise(label).strip("()")
    currency, text = _take_prefix(text, _CURRENCY_PREFIX)
    scale, word_currency, unit, rest = _read_unit(text)
    currency = currency or word_currency
    if rest:
        raise LiteralParseError(f"unit label {label!r}: cannot read {rest!r}")
    if currency:
        unit = currency
    return scale, currency, unit


def parse_literal(stated_text: str, unit_label: str = "") -> Quantity:
    """Parse a printed literal; `unit_label` supplies the unit a table cell inherits from its header."""
    if not isinstance(stated_text, str) or not stated_text.strip():
        raise LiteralParseError("empty literal")
    text = _normalise(stated_text)
    # words that say which way a change went carry no quantity ("up 29.0%", "a sixfold increase")
    # ("a" stays where it is part of a number: "a hundred", "a dozen", "a few")
    text = re.sub(rf"^(?:up by|up|an increase of|increased by|{_ARTICLE}|an)\s+", "", text, flags=re.IGNORECASE)
    comparator, text = _take_prefix(text, _COMPARATORS)
    currency, text = _take_prefix(text, _CURRENCY_PREFIX)

    value_high = None
    unit = None
    word_scale = 0
    match = re.match(rf"({_NUM})\s*%?\s*(?:to|-|~)\s*({_NUM})", text)
    if match:
        value, decimals = _decimal(match.group(1))
        value_high, high_decimals = _decimal(match.group(2))
        decimals = max(decimals, high_decimals)
        if value_high < value:
            raise LiteralParseError(f"range {stated_text!r} runs downwards")
        comparator = comparator or "range"
        rest = text[match.end() :]
    elif match := re.match(r"(\d+)\s*\+\s*(\d+)\b", text):
        # "64+1 countries": the document counts a sum; its value is the total
        value, decimals = Decimal(match.group(1)) + Decimal(match.group(2)), 0
        rest = text[match.end() :]
    elif match := re.match(rf"({_NUM})(?:st|nd|rd|th)\b", text):
        value, decimals = _decimal(match.group(1))
        unit = "rank"
        rest = text[match.end() :]
    elif match := re.match(rf"({_NUM})", text):
        value, decimals = _decimal(match.group(1))
        rest = text[match.end() :]
    elif match := re.match(r"several\b", text, flags=re.IGNORECASE):
        # a vague count: read as the span the word admits, flagged qualitative by the curator
        value, value_high, decimals = Decimal(2), Decimal(9), 0
        comparator = comparator or "range"
        rest = text[match.end() :]
    elif match := re.match(_WORD_RANGE, text):
        (value, _, word_scale), (value_high, _, high_scale) = read_words(match.group(1)), read_words(match.group(2))
        value_high *= Decimal(10) ** (high_scale - word_scale)
        if value_high < value:
            raise LiteralParseError(f"range {stated_text!r} runs downwards")
        decimals, comparator = 0, comparator or "range"
        rest = text[match.end() :]
    elif match := re.match(_WORDS, text):
        # "twenty-one", "three thousand" (3 at scale 3, as "3 thousand"), "hundreds of" (the span 200 to 999)
        value, value_high, word_scale = read_words(match.group(0))
        decimals = 0
        if value_high is not None:
            comparator = comparator or "range"
        rest = text[match.end() :]
    elif match := FEW.match(text):
        value, value_high = FEW_SPAN
        decimals, comparator = 0, comparator or "range"
        rest = text[match.end() :]
    elif match := re.match(rf"({_WORD_NUM})(?=\b|-|fold)", text, flags=re.IGNORECASE):
        value, decimals = Decimal(_NUMBER_WORDS[match.group(1).lower()]), 0
        rest = text[match.end() :]
    elif match := re.match(rf"({'|'.join(_ORDINAL_WORDS)})\b", text, flags=re.IGNORECASE):
        value, decimals = Decimal(_ORDINAL_WORDS[match.group(1).lower()]), 0
        unit = "rank"
        rest = text[match.end() :]
    elif match := re.match(rf"(?:the\s+)?(?:{_SUPERLATIVES})\b", text, flags=re.IGNORECASE):
        # "the highest": first among the peers the sentence names, a rank of 1 (never a value of its own)
        value, decimals = Decimal(1), 0
        unit = "rank"
        rest = text[match.end() :]
    else:
        raise LiteralParseError(f"no number at the start of {stated_text!r}")

    scale, word_currency, word_unit, _ = _read_unit(rest)
    scale += word_scale
    if currency and word_currency and currency != word_currency:
        raise LiteralParseError(f"{stated_text!r} names two currencies")
    currency = currency or word_currency
    unit = unit or word_unit
    if currency:
        unit = currency
    if unit_label and not (currency or scale or unit):
        scale, currency, unit = parse_unit_label(unit_label)
    return Quantity(value, value_high, decimals, scale, currency, unit, comparator or "eq")
