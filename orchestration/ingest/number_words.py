"""Numbers printed in words ("twenty-one", "a hundred and five", "three thousand", "a dozen", "hundreds of"): the
pattern that finds them and the quantity each reads as.

The pattern is shared by the literal parser, the text reading (corpus/text.py: every number printed in words is a
printed number that coverage must account for, like digits) and the GX suites' SQL, which tokenises a figure's
literal with it in DuckDB's RE2: so it uses no look-around, only `\\b` and an inline `(?i:…)`, which both engines
read alike.

What is not a number here, by rule:
- a lone "one": printed alone it is far more often a determiner or pronoun ("one of the", "on the one hand", "one
  another", "one-stop", "No. one") than a count; it is a number inside a compound only ("twenty-one", "one
  hundred", "one million"). The literal parser still reads a curated "one company" as 1.
- ordinals ("first", "twenty-first"): ranks, read by the literal parser, never counted as printed quantities.
- vague words without a magnitude ("a few", "several", "many"): the literal parser reads "a few" and "several"
  as the span they admit, but a text prints them too often as plain English for each to need a reason.
A word that names a magnitude is a number: "hundreds of" reads as the span the plural admits, two to ten times
its unit less one (200 to 999), like "several" (2 to 9).

text2num 3.1.0 (the maintained parser on PyPI) was tried and not used: it reads no "a hundred and five" or "a
dozen", reads "hundreds" as 100, and converts a text without telling where each number was printed.
"""

from __future__ import annotations

import re
from decimal import Decimal

_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12}
VALUES = {
    **{word: n for n, word in enumerate(_UNITS, start=1)},
    **{word: n for n, word in enumerate(_TEENS, start=10)},
    **{word: 10 * n for n, word in enumerate(_TENS, start=2)},
}
# exact words that count in dozens or scores
EXACT = {"a dozen": 12, "a score of": 20}
# plurals that bound a quantity by its order of magnitude: "hundreds of" is 200 to 999
BOUNDS = {
    "hundreds of thousands of": 100_000,
    "hundreds of millions of": 100_000_000,
    "tens of thousands of": 10_000,
    "tens of millions of": 10_000_000,
    "dozens of": 12,
    "scores of": 20,
    "hundreds of": 100,
    "thousands of": 1_000,
    "millions of": 1_000_000,
    "billions of": 1_000_000_000,
}


def _any(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_UNIT = _any(_UNITS)
_LEAD_UNIT = _any(_UNITS[1:])  # a lone "one" opens no number
_SMALL = rf"(?:{_any(_TENS)})(?:[- ](?:{_UNIT}))?|{_any(_TEENS)}|{_UNIT}"
_LEAD = rf"(?:{_any(_TENS)})(?:[- ](?:{_UNIT}))?|{_any(_TEENS)}|{_LEAD_UNIT}"
_HUNDREDS = rf"(?:{_SMALL}|a) hundred(?:(?: and | )(?:{_SMALL}))?"
_SCALE = _any(_SCALES)
_GROUP = rf"(?:{_HUNDREDS}|{_SMALL})(?: (?:{_SCALE}))+"
# a cardinal: groups that end in a scale word ("two million three hundred thousand"), then what is below a
# thousand; or a number below a thousand alone. Alternatives are tried in order, the longest reading first.
_CARDINAL = (
    rf"(?:(?:{_HUNDREDS}|{_LEAD})(?: (?:{_SCALE}))+|(?:a|one) (?:{_SCALE}))"
    rf"(?:(?: and | )(?:{_GROUP}))*(?:(?: and | )(?:{_HUNDREDS}|{_SMALL}))?"
    rf"|{_HUNDREDS}|{_LEAD}"
)
WORDS_BODY = rf"{_any(BOUNDS)}|{_any(EXACT)}|{_CARDINAL}"
WORDS_PATTERN = rf"(?i:(?:{WORDS_BODY})\b)"
WORDS = re.compile(WORDS_PATTERN)
# the words a number in words may open with
FIRST_WORDS = _any([*_UNITS, *_TEENS, *_TENS, "a", "tens", *(bound.split()[0] for bound in BOUNDS)])
# "a few" reads like "several": the span the word admits, for a curated literal (never a printed number)
FEW = re.compile(r"(?i:a few)\b")
FEW_SPAN = (Decimal(2), Decimal(9))


def read_words(words: str) -> tuple[Decimal, Decimal | None, int]:
    """(value, value_high, scale) of a match of WORDS: a bound's span (value_high set), else the number with its
    last scale word as the printed multiplier ("two million" is 2 at scale 6, like "2 million")."""
    text = re.sub(r"[\s-]+", " ", words.lower()).strip()
    if text in BOUNDS:
        unit = BOUNDS[text]
        return Decimal(2 * unit), Decimal(10 * unit - 1), 0
    if text in EXACT:
        return Decimal(EXACT[text]), None, 0
    total = current = 0
    scale = 0
    for word in text.split():
        if word in VALUES:
            current += VALUES[word]
        elif word == "a":
            current = 1
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALES:
            total += (current or 1) * 10 ** _SCALES[word]
            current, scale = 0, _SCALES[word]
        else:  # "and"
            continue
        if word not in _SCALES:
            scale = 0
    total += current
    return Decimal(total // 10**scale), None, scale
