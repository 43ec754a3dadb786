"""Draft a document's claims from the sentences that print its figures, each recomputed at once.

A sentence that relates figures ("up 16.6% on the year before", "from 608 to 1,407, 2.31 times", "of which
US$ 2 billion", "30% of …", "ITO, BPO and KPO, totalling …") becomes a row of `sources/claims/<document_id>.csv`
with the pattern that found it and how sure the draft is. A growth rate's base is looked up among the document's
figures and then the other documents' (a cross-document input): the same entity, indicator and measure a year
earlier. Each draft carries a tentative verdict: `recompute` is marts.claim_checks's recomputation written once in
Python (the draft cannot run dbt in its time), the same intervals, tolerance and verdict rules;
tests/test_claim_drafts.py checks that both give every reviewed claim of the sources the same verdict.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from pathlib import Path

from .suggestion import Context
from .text import decode_text

# the caller numbers the claims it keeps (`<prefix>_c<nnn>`); this is no valid id, so a row left unnumbered is
# rejected by the ingest instead of being recorded under a made-up id
CLAIM_ID_PLACEHOLDER = "<claim_id>"
CLAIM_COLUMNS = (
    "claim_id",
    "document_id",
    "section",
    "paragraph",
    "table_row",
    "table_column",
    "claim_kind",
    "stated_figure_id",
    "input_figure_ids",
    "relation",
    "statement",
)


# ---------------------------------------------------------------------------------------------------------------
# What the recomputation reads besides the figures: unit kinds (a plain count is exact), rates, pinned figures


@dataclass(frozen=True)
class Rates:
    """One year's units per US$, World Bank (primary) and FRED (cross-check), as int_fx_rates_annual."""

    cny: float | None = None
    jpy: float | None = None
    cny_fred: float | None = None
    jpy_fred: float | None = None


@dataclass(frozen=True)
class Reference:
    """The catalogues a recomputation needs: each indicator's and measure's unit kind, each year's rates, the
    figures sources/preferred_figures.csv pins (they stand for their fact when a base is looked up) and each
    document's publication year (a target's money takes that year's rates). Without them (`Reference()`) a count
    is read at ±½ and money in two currencies is not comparable."""

    indicator_unit_kinds: Mapping[str, str] = field(default_factory=dict)
    measure_unit_kinds: Mapping[str, str] = field(default_factory=dict)
    rates: Mapping[int, Rates] = field(default_factory=dict)
    preferred: frozenset[str] = frozenset()
    document_years: Mapping[str, int] = field(default_factory=dict)


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(decode_text(path.read_bytes(), path), newline="")))


def _publication_year(document: Mapping) -> int | None:
    """documents.csv's `year`, else the year of its `published` date (none when it prints neither)."""
    year, published = _text(document.get("year")), _text(document.get("published"))
    return int(year) if year else int(published[:4]) if published else None


def load_reference(sources_dir: Path) -> Reference:
    """The unit kinds, rates, pinned figures and publication years of a sources folder (preferred_figures.csv is
    optional)."""
    rates: dict[int, dict[str, float]] = {}
    for row in _rows(sources_dir / "fx_rates.csv"):
        name = row["currency"].lower() + ("_fred" if row["series"] == "fred" else "")
        rates.setdefault(int(row["year"]), {})[name] = float(row["units_per_usd"])
    pinned = sources_dir / "preferred_figures.csv"
    return Reference(
        {r["indicator_code"]: r["unit_kind"] for r in _rows(sources_dir / "indicators.csv")},
        {r["measure"]: r["unit_kind"] for r in _rows(sources_dir / "measures.csv") if r["unit_kind"]},
        {year: Rates(**by_name) for year, by_name in rates.items()},
        frozenset(r["figure_id"] for r in _rows(pinned)) if pinned.exists() else frozenset(),
        {
            r["document_id"]: year
            for r in _rows(sources_dir / "documents.csv")
            if (year := _publication_year(r)) is not None
        },
    )


def load_corpus(sources_dir: Path, document_id: str) -> list[dict]:
    """The reviewed figure rows of every other document of a sources folder: where a claim's base may be."""
    return [
        row
        for path in sorted((sources_dir / "figures").glob("*.csv"))
        for row in _rows(path)
        if row["document_id"] != document_id and row["review_status"] == "reviewed"
    ]


# ---------------------------------------------------------------------------------------------------------------
# The recomputation: marts.claim_checks (and int_figure_intervals, int_claim_operands) in Python. SQL's NULL is
# None here; a comparison with NULL is unknown (None), and a CASE branch is taken only when its test is true.

_INF = math.inf
# the least value a quantity of each unit kind can take (int_figure_intervals.floor_value); other kinds have none
_FLOORS = {"count": 0.0, "currency": 0.0, "area": 0.0, "percent": 0.0, "ratio": 0.0, "rank": 0.0, "growth": -100.0}
_RATIO_KINDS = ("growth", "avg_growth", "share", "fx_share", "multiple")
_UNVERIFIABLE_RELATIONS = ("part_only", "denominator_only", "no_base")


@dataclass(frozen=True)
class Recomputation:
    """What a claim's inputs give for its stated figure, as marts.claim_checks reports it: the recomputed value
    and interval (the increase reading N − 1 of a multiple when only that agrees), the stated value, both in
    base units, `compared_in` `USD` when money in two currencies was compared in US$, and the verdict
    (consistent, inconsistent, gross_inconsistency, unverifiable)."""

    recomputed: float | None
    low: float | None
    high: float | None
    stated: float | None
    verdict: str
    compared_in: str | None


def _known(*values) -> bool:
    return all(v is not None for v in values)


def _div(x: float | None, y: float | None) -> float | None:
    """DuckDB's division of doubles: by zero is ±infinity (NaN for 0 / 0)."""
    if not _known(x, y):
        return None
    if y == 0:
        return math.copysign(_INF, x) * math.copysign(1, y) if x else math.nan
    return x / y


def _pow(x: float | None, y: float | None) -> float | None:
    if not _known(x, y):
        return None
    try:
        return math.pow(x, y)
    except ValueError:  # a negative base to a fractional power, DuckDB's NaN
        return math.nan
    except ZeroDivisionError:
        return _INF


def _op(f: Callable[[float, float], float | bool]) -> Callable[[float | None, float | None], float | bool | None]:
    return lambda x, y: f(x, y) if _known(x, y) else None


_sub, _mul = _op(lambda x, y: x - y), _op(lambda x, y: x * y)
_lt, _le = _op(lambda x, y: x < y), _op(lambda x, y: x <= y)
_gt, _ge, _eq = _op(lambda x, y: x > y), _op(lambda x, y: x >= y), _op(lambda x, y: x == y)


def _and(*values: bool | None) -> bool | None:
    return False if False in values else (None if None in values else True)


def _or(*values: bool | None) -> bool | None:
    return True if True in values else (None if None in values else False)


def _not(value: bool | None) -> bool | None:
    return None if value is None else not value


def _all(values: Iterable[bool | None]) -> bool | None:
    """DuckDB's list_bool_and: NULLs left out, an empty list NULL."""
    known = [v for v in values if v is not None]
    return all(known) if known else None


def _sum(values: Iterable[float | None]) -> float | None:
    """SQL's sum: NULLs left out, none at all NULL."""
    known = [v for v in values if v is not None]
    return sum(known[1:], known[0]) if known else None


def _round(x: float) -> float:
    """DuckDB's round: halves away from zero."""
    return math.copysign(math.floor(abs(x) + 0.5), x)


def _scale_slip(log_ratio: float | None, tolerance: float) -> bool | None:
    if log_ratio is None:
        return None
    if not math.isfinite(log_ratio):
        return False
    return abs(_round(log_ratio)) >= 1 and abs(log_ratio - _round(log_ratio)) < tolerance


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _int(value) -> int | None:
    return None if value is None or str(value).strip() == "" else int(str(value).strip())


def _text(value) -> str | None:
    return None if value is None or str(value).strip() == "" else str(value).strip()


def _base_units(printed, scale: int) -> float | None:
    """printed × 10^scale exactly, then as a double (to_base_units)."""
    if _text(printed) is None:
        return None
    with localcontext() as exact:
        exact.prec = 60
        return float(Decimal(str(printed).strip()) * (Decimal(10) ** scale))


def _value(row: Mapping) -> float:
    """A figure's value in base units (0 when it has none)."""
    return _base_units(row.get("value"), _int(row.get("scale")) or 0) or 0.0


def reference_year(row: Mapping) -> int | None:
    """The one year a figure is referred to and compared at: a span's last year, else the year printed."""
    return _int(row.get("end_year")) if _text(row.get("period_kind")) == "span" else _int(row.get("year"))


def _rate_year(row: Mapping, year: int | None, reference: Reference) -> int | None:
    """The year whose rates convert a figure's money (int_figures_in_base_units.rate_year): its reference year,
    except a target (obs_status F) after its document's publication, converted at the publication year's rates,
    the ones the document could know."""
    published = reference.document_years.get(_text(row.get("document_id")) or "")
    if _text(row.get("obs_status")) == "F" and _gt(year, published):
        return published
    return year


@dataclass(frozen=True)
class _Interval:
    """A figure as the interval of true values its printing admits (int_figure_intervals)."""

    value: float | None
    low: float | None
    high: float | None
    usd_value: float | None
    usd_low: float | None
    usd_high: float | None
    currency: str | None
    unit: str | None
    year: int | None  # the reference year: a target's money may take another year's rates (_rate_year)
    low_open: bool | None  # printed "less than": the low end is only the quantity's floor


def _to_usd(amount: float | None, currency: str | None, cny: float | None, jpy: float | None) -> float | None:
    rate = {"USD": 1.0, "CNY": cny, "JPY": jpy}.get(currency or "")
    return None if amount is None or rate is None else amount / rate


def _greatest(*values: float | None) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _least(*values: float | None) -> float | None:
    known = [v for v in values if v is not None]
    return min(known) if known else None


def _interval(row: Mapping, reference: Reference) -> _Interval:
    decimals, scale = _int(row.get("decimals")) or 0, _int(row.get("scale")) or 0
    value, range_high = _base_units(row.get("value"), scale), _base_units(row.get("value_high"), scale)
    measure, indicator = _text(row.get("measure")), _text(row.get("indicator_code"))
    unit_kind = reference.measure_unit_kinds.get(measure or "") or reference.indicator_unit_kinds.get(indicator or "")
    exact = unit_kind in ("count", "rank") and decimals == 0 and scale == 0
    half = 0.0 if exact else 0.5 * math.pow(10, -decimals) * math.pow(10, scale)
    comparator = _text(row.get("comparator")) or "eq"
    low, high = None, None
    if value is not None:
        low = {"eq": value - half, "approx": value * 0.9 - half, "gt": value, "ge": value}.get(comparator, -_INF)
        high = {"eq": value + half, "approx": value * 1.1 + half, "lt": value, "le": value}.get(comparator, _INF)
        if comparator == "range":
            low, high = value - half, None if range_high is None else range_high + half
        # no interval reaches below what its quantity can be, unless the printed value already does
        floor = _FLOORS.get(unit_kind or "", -_INF)
        if value >= floor:
            low = max(low, floor)
    year = reference_year(row)
    rate_year = _rate_year(row, year, reference)
    rates = reference.rates.get(rate_year, Rates()) if rate_year is not None else Rates()
    currency = _text(row.get("currency"))
    return _Interval(
        value,
        low,
        high,
        _to_usd(value, currency, rates.cny, rates.jpy),
        _to_usd(low, currency, _greatest(rates.cny, rates.cny_fred), _greatest(rates.jpy, rates.jpy_fred)),
        _to_usd(high, currency, _least(rates.cny, rates.cny_fred), _least(rates.jpy, rates.jpy_fred)),
        currency,
        _text(row.get("unit")),
        year,
        comparator in ("lt", "le"),
    )


@dataclass(frozen=True)
class _Operand:
    """One `;`-separated input: a figure, or the sum of `+`-joined figures (int_claim_operands)."""

    found: bool
    value: float | None
    low: float | None
    high: float | None
    usd_value: float | None
    usd_low: float | None
    usd_high: float | None
    first_year: int | None
    last_year: int | None
    currency: str | None
    low_open: bool | None  # every member printed "less than": the low end is only the floor

    def ends(self, in_usd: bool) -> tuple[float | None, float | None, float | None]:
        return (self.usd_value, self.usd_low, self.usd_high) if in_usd else (self.value, self.low, self.high)


def _operand(text: str, figures: Mapping[str, Mapping], reference: Reference) -> _Operand:
    members = [member.strip() for member in text.split("+")]
    found = [_interval(figures[m], reference) for m in members if m in figures]
    years = [i.year for i in found if i.year is not None]
    currencies = [i.currency for i in found if i.currency]
    return _Operand(
        len(found) == len(members),
        *(
            _sum(getattr(i, name) for i in found)
            for name in ("value", "low", "high", "usd_value", "usd_low", "usd_high")
        ),
        min(years, default=None),
        max(years, default=None),
        min(currencies, default=None),
        all(i.low_open for i in found) if found else None,
    )


def _formula(kind: str, a: float | None, b: float | None, a_d: float | None, b_d: float | None, total, span):
    """The claim's formula (macro recomputed_claim): `a`, `b` the numerator ends, `a_d`, `b_d` the same operands'
    ends as denominators (a_lo / b_hi is the least a share can be)."""
    if kind == "growth":
        return _mul(_sub(_div(b, a_d), 1), 100)
    if kind == "avg_growth":
        return _mul(_sub(_pow(_div(b, a_d), _div(1.0, span)), 1), 100)
    if kind in ("share", "fx_share"):
        return _mul(_div(a, b_d), 100)
    if kind == "multiple":
        return _div(a, b_d)
    if kind == "sum":
        return total
    if kind in ("from_to", "same_total", "magnitude", "bound"):
        return a
    return None


def recompute(claim: Mapping, figures: Mapping[str, Mapping], reference: Reference) -> Recomputation:
    """A claim row recomputed from `figures` (figure rows by id, any document's) as marts.claim_checks does."""
    kind, relation = str(claim["claim_kind"]), _text(claim.get("relation"))
    stated_row = figures.get(str(claim["stated_figure_id"]).strip())
    stated = _interval(stated_row, reference) if stated_row is not None else None
    inputs = _text(claim.get("input_figure_ids"))
    ops = [_operand(text, figures, reference) for text in inputs.split(";")] if inputs else []

    operand_currencies = {op.currency for op in ops if op.currency}
    operand_currency = min(operand_currencies, default=None)
    first_year = min((op.first_year for op in ops if op.first_year is not None), default=None)
    last_year = max((op.last_year for op in ops if op.last_year is not None), default=None)
    inputs_found = bool(ops) and all(op.found for op in ops) and stated is not None
    in_usd = (
        kind == "fx_share"
        or len(operand_currencies) > 1
        or bool(stated and stated.currency and operand_currency and stated.currency != operand_currency)
    )
    stated_in_usd = in_usd and kind in ("same_total", "bound", "sum")

    a, a_lo, a_hi = ops[0].ends(in_usd) if ops else (None, None, None)
    b, b_lo, b_hi = ops[1].ends(in_usd) if len(ops) > 1 else (None, None, None)
    total, total_lo, total_hi = (_sum(op.ends(in_usd)[i] for op in ops) for i in range(3))
    st = st_lo = st_hi = None
    if stated is not None:
        if stated_in_usd:
            st, st_lo, st_hi = stated.usd_value, stated.usd_low, stated.usd_high
        else:
            st, st_lo, st_hi = stated.value, stated.low, stated.high

    span = _sub(last_year, first_year)
    rec = _formula(kind, a, b, a, b, total, span)
    rec_lo = _formula(kind, a_lo, b_lo, a_hi, b_hi, total_lo, span)
    rec_hi = _formula(kind, a_hi, b_hi, a_lo, b_lo, total_hi, span)
    pairs = [(ops[i].ends(in_usd), ops[i + 1].ends(in_usd)) for i in range(len(ops) - 1)] if kind == "rank" else []
    # a rank holds when each operand can be at least the next (documents list the largest first)
    rank_holds = _all(_ge(first[2], second[1]) for first, second in pairs)

    intervals_meet = _and(_le(rec_lo, st_hi), _ge(rec_hi, st_lo))
    meets_as_increase = kind == "multiple" and _and(_le(_sub(rec_lo, 1), st_hi), _ge(_sub(rec_hi, 1), st_lo))
    period_differs = kind == "same_total" and (stated.year if stated else None) != first_year

    def verifiable() -> bool:
        if not inputs_found or relation in _UNVERIFIABLE_RELATIONS:
            return False
        # a base of 0 is none; an operand printed "less than" reaches down to 0, never below
        if kind in _RATIO_KINDS and (len(ops) < 2 or _or(_le(a, 0), _le(b, 0), _lt(a_lo, 0), _lt(b_lo, 0))):
            return False
        if kind == "avg_growth" and (span or 0) <= 0:
            return False
        if kind == "from_to" and relation is not None and relation not in ("gt", "lt"):
            return False
        if kind == "rank" and len(ops) < 2:
            return False
        return kind == "rank" or rec is not None

    # an unbounded operand makes the ratio 0 or infinite: DuckDB's log10 gives -inf and inf there, as here
    ratio = st / rec if _known(rec, st) and rec > 0 and st > 0 else None
    log_ratio = None if ratio is None else -math.inf if ratio == 0 else math.log10(ratio)
    # a factor near a power of ten: a slipped scale; against another year's figure growth blurs the factor
    scale_slip = _scale_slip(log_ratio, 0.25 if kind == "magnitude" else 0.1)

    # ends that bound nothing: infinite, a ratio's formula floor, a level's floor reached through "less than"
    if kind in _RATIO_KINDS:
        rec_lo_open = _le(rec_lo, -100 if kind in ("growth", "avg_growth") else 0)
    else:
        low_open = _all(bool(op.low_open) for op in ops) if kind == "sum" else bool(ops and ops[0].low_open)
        rec_lo_open = _or(_eq(rec_lo, -_INF), low_open)
    rec_hi_open, st_hi_open = _eq(rec_hi, _INF), _eq(st_hi, _INF)
    st_lo_open = _or(_eq(st_lo, -_INF), bool(stated and stated.low_open))
    # a check that cannot fail (an open bound on an end) confirms nothing, unless it holds at every value
    if kind == "magnitude":
        cannot_fail = False
    elif kind == "rank":
        cannot_fail = _all(
            _or(bool(ops[i + 1].low_open), _eq(first[2], _INF), _eq(second[1], -_INF))
            for i, (first, second) in enumerate(pairs)
        )
    elif kind in ("bound", "from_to") and relation == "lt":
        cannot_fail = _or(st_lo_open, rec_hi_open)
    elif kind in ("bound", "from_to") or (kind == "sum" and relation == "of_which"):
        cannot_fail = _or(st_hi_open, rec_lo_open)
    else:
        cannot_fail = _and(_or(st_hi_open, rec_lo_open), _or(st_lo_open, rec_hi_open))
    holds_throughout = None
    if kind == "rank":
        holds_throughout = _all(_ge(first[1], second[2]) for first, second in pairs)
    elif kind in ("bound", "from_to") and relation == "lt":
        holds_throughout = _le(st_hi, rec_lo)
    elif kind in ("bound", "from_to") or (kind == "sum" and relation == "of_which"):
        holds_throughout = _ge(st_lo, rec_hi)

    def verdict() -> str:
        if not verifiable():
            return "unverifiable"
        if kind == "from_to" and _le(stated.year if stated else None, last_year):
            return "inconsistent"  # "from X to Y": X is the earlier figure
        if cannot_fail:
            return "consistent" if holds_throughout else "unverifiable"
        if kind == "rank":
            return "consistent" if rank_holds else "inconsistent"
        if kind == "bound" and relation == "lt":
            return "consistent" if _lt(st_lo, rec_hi) else "inconsistent"
        if kind == "from_to" and relation == "lt":
            return "consistent" if _lt(st_lo, rec_hi) else "gross_inconsistency"
        if kind == "from_to":
            return "consistent" if _gt(st_hi, rec_lo) else "gross_inconsistency"
        if kind == "bound":
            return "consistent" if _gt(st_hi, rec_lo) else "inconsistent"
        if kind == "sum" and relation == "of_which":
            return "consistent" if _le(rec_lo, st_hi) else "gross_inconsistency"
        if kind == "magnitude":
            if log_ratio is not None and abs(log_ratio) < 0.5:
                return "consistent"
            return "gross_inconsistency" if scale_slip else "inconsistent"
        if kind == "same_total" and intervals_meet and period_differs:
            return "inconsistent"
        if _or(intervals_meet, meets_as_increase):
            return "consistent"
        if kind in ("share", "fx_share") and _or(_gt(st, 100), _gt(rec_lo, 100)):
            return "gross_inconsistency"
        if kind in ("growth", "avg_growth") and _known(st, rec) and _sign(st) != _sign(rec) and st != 0 and rec != 0:
            return "gross_inconsistency"
        return "gross_inconsistency" if scale_slip else "inconsistent"

    as_increase = kind == "multiple" and _and(_not(intervals_meet), meets_as_increase)
    shift = 1 if as_increase else 0
    return Recomputation(
        _sub(rec, shift),
        _sub(rec_lo, shift),
        _sub(rec_hi, shift),
        stated.value if stated else None,
        verdict(),
        "USD" if in_usd else None,
    )


# ---------------------------------------------------------------------------------------------------------------
# Drafting: the sentence patterns


@dataclass(frozen=True)
class ClaimDraft:
    """A claims.csv row drafted from a sentence (`claim_id` is CLAIM_ID_PLACEHOLDER until the caller numbers
    it), how sure the draft is (0 to 1), the pattern that found it (`via`), the inputs taken from other
    documents' figures, and the claim recomputed as marts.claim_checks would."""

    row: dict[str, str]
    confidence: float
    via: str
    cross_document: tuple[str, ...]
    recomputation: Recomputation


@dataclass(frozen=True)
class _Printed:
    """A figure row where its literal is printed."""

    row: Mapping
    context: Context

    @property
    def id(self) -> str:
        return str(self.row["figure_id"])

    @property
    def start(self) -> int:
        return self.context.position

    @property
    def end(self) -> int:
        return self.context.position + len(self.context.literal)

    @property
    def unit(self) -> str | None:
        return _text(self.row.get("unit")) or self.context.quantity.unit

    @property
    def currency(self) -> str | None:
        return _text(self.row.get("currency")) or self.context.quantity.currency

    @property
    def percent(self) -> bool:
        return self.unit == "percent"

    @property
    def times(self) -> bool:
        return self.unit == "times" or _text(self.row.get("measure")) == "multiple"

    @property
    def rank(self) -> bool:
        return self.unit == "rank" or _text(self.row.get("measure")) == "rank"

    @property
    def level(self) -> bool:
        return not (self.percent or self.times or self.rank)

    @property
    def key(self) -> tuple[str, str, str] | None:
        key = tuple(_text(self.row.get(c)) for c in ("entity_type", "entity_id", "indicator_code"))
        return key if all(key) else None

    @property
    def year(self) -> int | None:
        return reference_year(self.row)

    def like(self, other: _Printed) -> bool:
        """Whether the two measure in the same unit (money in any currency counts as one unit)."""
        if self.currency or other.currency:
            return bool(self.currency and other.currency)
        return self.unit == other.unit


@dataclass(frozen=True)
class _Sentence:
    text: str
    printed: tuple[_Printed, ...]  # in reading order

    def before(self, p: _Printed) -> str:
        """The text since the previous literal, up to where `p` starts."""
        earlier = [q.end for q in self.printed if q.end <= p.start]
        return self.text[max(earlier, default=0) : p.start]

    def head(self, p: _Printed) -> str:
        """The text before `p`'s number: the sentence before it and the literal's own leading words ("up by")."""
        return self.text[: p.start] + re.match(r"\D*", p.context.literal).group(0)

    def after(self, p: _Printed) -> str:
        return self.text[p.end :]


@dataclass(frozen=True)
class _Found:
    kind: str
    stated: _Printed
    operands: tuple[str, ...]  # each a figure id, or ids joined by + (a sum)
    relation: str
    via: str
    confidence: float
    statement: str


_WORDS_BEFORE_NUMBER = r"(?:(?:approximately|about|around|nearly|almost|roughly|some|over|more than|less than|by)\s+)*"
_GROWTH_CUE = re.compile(
    r"(?:\b(?:an?\s+)?(?:increase|rise|growth|jump|gain)\s+of|\bup|\b(?:grew|grown|grows?|growing|increased|"
    r"increasing|rose|risen|rising|climbed|jumped|expanded))\s+" + _WORDS_BEFORE_NUMBER + r"$",
    re.IGNORECASE,
)
_GROWTH_ROW = re.compile(r"\b(?:growth|increase)\b", re.IGNORECASE)
_AVERAGE_BEFORE = re.compile(
    r"\b(?:average\s+annual|annual\s+average)\s+(?:growth|increase|rise)(?:\s+rate)?\s+(?:of|was|at)\s+"
    + _WORDS_BEFORE_NUMBER
    + "$",
    re.IGNORECASE,
)
_AVERAGE_AFTER = re.compile(
    r"^\s*(?:(?:a|per|each)\s+year(?!\s+(?:earlier|before|ago))(?:\s+on\s+average)?"
    r"|on\s+average\s+(?:a|per|each)\s+year|annually|per\s+annum)\b",
    re.IGNORECASE,
)
_SHARE_CUE = re.compile(
    r"\b(?:account(?:s|ed|ing)?\s+for|(?:share|proportion)\s+(?:of|was|is)|made\s+up|making\s+up|"
    r"represent(?:s|ed|ing)?)\s+" + _WORDS_BEFORE_NUMBER + "$",
    re.IGNORECASE,
)
_OF = re.compile(r"^\s*of\b", re.IGNORECASE)
_RESPECTIVELY = re.compile(r"\brespectively\b", re.IGNORECASE)
_FROM = re.compile(r"\bfrom\s+$", re.IGNORECASE)
_TO = re.compile(r"^\s*(?:\(\s*(?:19|20)\d\d\s*\)|(?:in|by)\s+(?:19|20)\d\d)?\s*,?\s*to\s+$", re.IGNORECASE)
_RISE = re.compile(
    r"\b(?:rose|rise|rising|risen|grew|grow|grown|growth|increase[sd]?|increasing|climbed|expanded|up)\b", re.I
)
_FALL = re.compile(
    r"\b(?:fell|fall|falling|fallen|declined?|declining|decrease[sd]?|decreasing|dropped|shrank|down)\b", re.I
)
_MULTIPLE_OF = re.compile(
    r"^\s*(?:as\s+(?:large|much|many|high|big|great)\s+as|that\s+of|the\s+(?:size|level|number|amount)\s+of|"
    r"(?:larger|higher|greater|bigger|more)\s+than)\b",
    re.IGNORECASE,
)
_OF_WHICH = re.compile(r"\bof\s+which\b", re.IGNORECASE)
_OUT_OF = re.compile(r"^\s*out\s+of\s+(?:(?:a|the)\s+)?(?:total\s+of\s+)?$", re.IGNORECASE)
_TOTAL_BEFORE = re.compile(r"\b(?:total(?:l?ing|l?ed|s)?|altogether|combined|sum)\b\D{0,30}$", re.IGNORECASE)
_TOTAL_AFTER = re.compile(r"^\s*(?:in\s+total|altogether|in\s+all|combined)\b", re.IGNORECASE)
_YEARS_SPAN = re.compile(r"\b(?:from|between)\s+((?:19|20)\d\d)\s+(?:to|and)\s+((?:19|20)\d\d)\b", re.IGNORECASE)
# the input a change of a measure compares: a growth rate compares levels, a share's growth compares shares
_CHANGED_MEASURE = {"share_growth_pct": "share_pct"}
_CONFIDENCE = {
    "growth": 0.9,
    "growth_table_row": 0.8,
    "respectively": 0.8,
    "avg_growth": 0.85,
    "from_to": 0.85,
    "of_which": 0.85,
    "out_of": 0.8,
    "share": 0.75,
    "multiple": 0.8,
    "total": 0.75,
    "ranked": 0.6,
}
# how much a draft trusts its reading when the document does not print what the claim needs
_RELATION_CONFIDENCE = {"part_only": 0.7, "denominator_only": 0.7, "no_base": 0.5}
_CROSS_DOCUMENT_CONFIDENCE = 0.85
# when the words leave part of the reading to a guess: a direction read from the values, an operand assumed
_GUESSED = 0.75


class _Figures:
    """The figures a claim's inputs are looked up in, by fact (entity, indicator, measure, year): the document's
    own first, then another document's, a pinned figure (preferred_figures.csv) before the others, then the most
    precise (the narrowest interval relative to its value), then the figure id."""

    def __init__(self, document: Sequence[Mapping], corpus: Sequence[Mapping], reference: Reference):
        self.corpus_ids = {str(row["figure_id"]) for row in corpus}
        self.by_fact: dict[tuple, list[Mapping]] = {}
        for row in (*document, *corpus):
            if _text(row.get("period_kind")) in ("year", "as_of") and _int(row.get("year")) is not None:
                fact = (*(_text(row.get(c)) for c in ("entity_type", "entity_id", "indicator_code", "measure")),)
                self.by_fact.setdefault((*fact, _int(row["year"])), []).append(row)

        def order(row: Mapping) -> tuple:
            interval = _interval(row, reference)
            width = _div(_sub(interval.high, interval.low), abs(interval.value or 0))
            precision = width if width is not None and math.isfinite(width) else _INF
            figure_id = str(row["figure_id"])
            return figure_id in self.corpus_ids, figure_id not in reference.preferred, precision, figure_id

        for rows in self.by_fact.values():
            rows.sort(key=order)
        # a long text prints the same fact many times and has many facts: each lookup reads only what it needs
        self.by_series: dict[tuple, list[tuple]] = {}  # (entity_type, entity_id, indicator_code, measure) -> facts
        for fact in self.by_fact:
            self.by_series.setdefault(fact[:4], []).append(fact)
        self._placed: dict[tuple, tuple[dict[str, list[int]], dict[str | None, int]]] = {}

    def find(
        self, key: tuple | None, measure: str, year: int | None, sentence: _Sentence | None = None
    ) -> Mapping | None:
        """The figure stating the fact; when the document prints it twice, the one printed in `sentence` (the
        claim's), then in its section (a table's growth row takes the table's levels)."""
        if key is None or year is None:
            return None
        rows = self.by_fact.get((*key, measure, year), [])
        if sentence is None or not rows:
            return rows[0] if rows else None
        # the first row printed in the sentence, in its section before any other; else the first in its section
        by_id, first_in_section = self._places((*key, measure, year))
        section = sentence.printed[0].context.place.section
        printed = sorted(i for p in {p.id for p in sentence.printed} for i in by_id.get(p, ()))
        if printed:
            return rows[next((i for i in printed if _text(rows[i].get("section")) == section), printed[0])]
        return rows[first_in_section.get(section, 0)]

    def _places(self, fact: tuple) -> tuple[dict[str, list[int]], dict[str | None, int]]:
        """Where in the fact's rows each figure id is, and the first row of each section."""
        if fact not in self._placed:
            by_id: dict[str, list[int]] = {}
            first_in_section: dict[str | None, int] = {}
            for i, row in enumerate(self.by_fact[fact]):
                by_id.setdefault(str(row["figure_id"]), []).append(i)
                first_in_section.setdefault(_text(row.get("section")), i)
            self._placed[fact] = by_id, first_in_section
        return self._placed[fact]

    def nearest(self, key: tuple | None, measure: str, year: int | None, limit: int = 2) -> list[Mapping]:
        """The figures of the entity's indicator in `measure` printed for the years nearest `year`."""
        if key is None:
            return []
        found = [
            (abs(fact[-1] - (year or fact[-1])), self.by_fact[fact][0])
            for fact in self.by_series.get((*key, measure), ())
        ]
        return [row for _, row in sorted(found, key=lambda f: (f[0], str(f[1]["figure_id"])))[:limit]]


def _from_to_pairs(sentence: _Sentence) -> list[tuple[_Printed, _Printed]]:
    """Each "from A (in Y1) to B" of two figures in the same unit."""
    pairs = []
    for a, b in zip(sentence.printed, sentence.printed[1:], strict=False):
        if a.like(b) and _FROM.search(sentence.text[: a.start]) and _TO.match(sentence.text[a.end : b.start]):
            pairs.append((a, b))
    return pairs


def _changed(
    kind: str,
    via: str,
    stated: _Printed,
    sentence: _Sentence,
    figures: _Figures,
    current: _Printed | None = None,
) -> _Found | None:
    """A change (growth, average growth, multiple) of a quantity: its start (base) and end (current) from a
    "from A to B" in the sentence, else looked up by the stated figure's fact (a span's first and last year; a
    year's and the year before), in the document and then in the other documents."""
    statement = sentence.text.strip()

    def both(start: str, end: str) -> _Found:
        operands = (end, start) if kind == "multiple" else (start, end)  # a multiple is numerator;denominator
        return _Found(kind, stated, operands, "eq", via, _CONFIDENCE[via], statement)

    pairs = [(a, b) for a, b in _from_to_pairs(sentence) if stated not in (a, b) and not (a.percent and stated.times)]
    if current is None and pairs:
        return both(pairs[0][0].id, pairs[0][1].id)
    measure = _CHANGED_MEASURE.get(_text(stated.row.get("measure")) or "", "level")
    key = stated.key if current is None else current.key
    if _text(stated.row.get("period_kind")) == "span":
        years = (_int(stated.row.get("start_year")), _int(stated.row.get("end_year")))
    elif kind != "growth" and (span := _YEARS_SPAN.search(sentence.text)):
        years = (int(span.group(1)), int(span.group(2)))
    else:
        year = stated.year or (current.year if current else None)
        years = (year - 1 if year else None, year)
    end = current.row if current else figures.find(key, measure, years[1], sentence)
    if end is None and key is None and kind == "growth":
        # a drafted rate whose entity or indicator is not known yet: the level printed just before it
        levels = [p for p in sentence.printed if p.level and p.end <= stated.start and p.key]
        if levels:
            end, key = levels[-1].row, levels[-1].key
            year = stated.year or levels[-1].year
            years = (year - 1 if year else None, year)
    start = figures.find(key, measure, years[0], sentence)
    if start is not None and end is not None:
        return both(str(start["figure_id"]), str(end["figure_id"]))
    # the relation names the one operand the document prints: the end is the numerator, the start the denominator
    if end is not None:
        return _Found(kind, stated, (str(end["figure_id"]),), "part_only", via, _CONFIDENCE[via], statement)
    if start is not None:
        return _Found(kind, stated, (str(start["figure_id"]),), "denominator_only", via, _CONFIDENCE[via], statement)
    # the document prints neither: the nearest printed figures, for context (sources/README.md, no_base)
    context = [str(r["figure_id"]) for r in figures.nearest(key, measure, years[1])]
    if not context:
        others = [p for p in sentence.printed if p is not stated and p.level]
        context = [p.id for p in sorted(others, key=lambda p: abs(p.start - stated.start))[:2]]
    if not context:
        return None
    return _Found(kind, stated, tuple(context), "no_base", via, _CONFIDENCE[via], statement)


def _respectively(sentence: _Sentence, figures: _Figures) -> list[_Found]:
    """Rates paired with levels ("A and B … up X% and Y% respectively"): each rate the growth of the level
    printed in the same place."""
    if not _RESPECTIVELY.search(sentence.text):
        return []
    rates = [p for p in sentence.printed if p.percent]
    if not rates or not _GROWTH_CUE.search(sentence.head(rates[0])):
        return []
    levels = [p for p in sentence.printed if p.level and p.end <= rates[0].start]
    if len(levels) != len(rates) or len(rates) < 2:
        return []
    found = [
        _changed("growth", "respectively", rate, sentence, figures, current=level)
        for level, rate in zip(levels, rates, strict=True)
    ]
    return [f for f in found if f]


def _rate(p: _Printed, sentence: _Sentence, figures: _Figures) -> _Found | None:
    """A percent: an average annual growth, a growth, or a share, as the words around it say."""
    head, after = sentence.head(p), sentence.after(p)
    if _AVERAGE_AFTER.match(after) or _AVERAGE_BEFORE.search(head):
        return _changed("avg_growth", "avg_growth", p, sentence, figures)
    if _GROWTH_CUE.search(head):
        return _changed("growth", "growth", p, sentence, figures)
    if p.context.place.table_row and _GROWTH_ROW.search(p.context.place.table_row):
        return _changed("growth", "growth_table_row", p, sentence, figures)
    if not (_OF.match(after) or _SHARE_CUE.search(head)):
        return None
    # "X% of W": the whole is the figure printed after "of", the part the one before the rate
    later = [q for q in sentence.printed if q.level and q.start >= p.end]
    whole = later[0] if _OF.match(after) and later else None
    earlier = [q for q in sentence.printed if q.level and q.end <= p.start and (whole is None or q.like(whole))]
    part = earlier[-1].row if earlier else figures.find(p.key, "level", p.year, sentence)
    kind = "share"
    if part is not None and whole is not None:
        currencies = {_text(part.get("currency")), whole.currency}
        kind = "fx_share" if None not in currencies and len(currencies) > 1 else "share"
        operands, relation = (str(part["figure_id"]), whole.id), "eq"
    elif part is not None:
        operands, relation = (str(part["figure_id"]),), "part_only"
    elif whole is not None:
        operands, relation = (whole.id,), "denominator_only"
    else:
        return None
    return _Found(kind, p, operands, relation, "share", _CONFIDENCE["share"], sentence.text.strip())


def _multiple(p: _Printed, sentence: _Sentence, figures: _Figures) -> _Found | None:
    """A multiple ("N times"): of the end over the start of a "from A to B", of the figure before over the one after ("N
    times as large as W"), or of the fact's last year over its first."""
    if any(p not in pair for pair in _from_to_pairs(sentence)) or _text(p.row.get("period_kind")) == "span":
        return _changed("multiple", "multiple", p, sentence, figures)
    levels = [q for q in sentence.printed if q.level]
    later = [q for q in levels if q.start >= p.end]
    if _MULTIPLE_OF.match(sentence.after(p)) and later:
        earlier = [q for q in levels if q.end <= p.start and q.like(later[0])]
        if earlier:
            operands, relation = (earlier[-1].id, later[0].id), "eq"
        else:
            operands, relation = (later[0].id,), "denominator_only"
        return _Found("multiple", p, operands, relation, "multiple", _CONFIDENCE["multiple"], sentence.text.strip())
    earlier = [q for q in levels if q.end <= p.start]
    if earlier:
        # "N times as large" with nothing after: compared with what was printed before it
        confidence = _CONFIDENCE["multiple"] * _GUESSED
        return _Found(
            "multiple", p, (earlier[-1].id,), "denominator_only", "multiple", confidence, sentence.text.strip()
        )
    return None


def _from_to(sentence: _Sentence) -> list[_Found]:
    """A change "from A to B": B the stated end, above A (a rise) or below it (a fall) as the words before it say."""
    found = []
    for a, b in _from_to_pairs(sentence):
        words = sentence.text[: a.start]
        rise, fall = bool(_RISE.search(words)), bool(_FALL.search(words))
        confidence = _CONFIDENCE["from_to"]
        if rise == fall:  # no word says which way: the values do, and the claim checks only the years' order
            rise, confidence = _value(b.row) >= _value(a.row), confidence * _GUESSED
        found.append(
            _Found("from_to", b, (a.id,), "gt" if rise else "lt", "from_to", confidence, sentence.text.strip())
        )
    return found


def _parts(sentence: _Sentence) -> list[_Found]:
    """Parts within a whole ("T, of which A (and B)", "A out of T"); parts adding up to a total ("A, B and C,
    totalling T")."""
    found = []
    statement = sentence.text.strip()
    levels = [p for p in sentence.printed if p.level]
    if which := _OF_WHICH.search(sentence.text):
        totals = [p for p in levels if p.end <= which.start()]
        if totals:
            parts = [p for p in levels if p.start >= which.end() and p.like(totals[-1])]
            if parts:
                operands = tuple(p.id for p in parts)
                found.append(
                    _Found("sum", totals[-1], operands, "of_which", "of_which", _CONFIDENCE["of_which"], statement)
                )
        return found
    for part, total in zip(levels, levels[1:], strict=False):
        if part.like(total) and _OUT_OF.match(sentence.text[part.end : total.start]):
            found.append(_Found("sum", total, (part.id,), "of_which", "out_of", _CONFIDENCE["out_of"], statement))
    for total in levels:
        if not (_TOTAL_BEFORE.search(sentence.before(total)) or _TOTAL_AFTER.match(sentence.after(total))):
            continue
        parts = [
            p
            for p in levels
            if p is not total
            and p.unit == total.unit
            and p.currency == total.currency
            and (p.year is None or total.year is None or p.year == total.year)
        ]
        if len(parts) >= 2:
            found.append(
                _Found("sum", total, tuple(p.id for p in parts), "eq", "total", _CONFIDENCE["total"], statement)
            )
    return found


def _ranked(printed: Sequence[_Printed], figures: _Figures, document_ids: set[str]) -> list[_Found]:
    """Ranks ("ranked Nth"): the ranks of one indicator and year, the levels of their entities listed largest first."""
    groups: dict[tuple, list[_Printed]] = {}
    for p in printed:
        if p.rank and p.key and p.year is not None:
            groups.setdefault((p.key[2], p.year), []).append(p)
    found = []
    for (indicator, year), ranks in groups.items():
        ordered = sorted(ranks, key=lambda p: _base_units(p.row.get("value"), 0) or _INF)
        levels = [figures.find((*p.key[:2], indicator), "level", year) for p in ordered]
        levels = [row for row in levels if row is not None]
        if len({str(r["entity_id"]) for r in levels}) < 2 or len(levels) < len(ordered):
            continue
        stated = next((str(r["figure_id"]) for r in levels if str(r["figure_id"]) in document_ids), None)
        if stated is None:
            continue
        statement = " … ".join(dict.fromkeys(p.context.sentence.strip() for p in ordered))
        found.append(
            _Found(
                "rank",
                _Printed({"figure_id": stated}, ordered[0].context),
                tuple(str(r["figure_id"]) for r in levels),
                "gt",
                "ranked",
                _CONFIDENCE["ranked"],
                statement,
            )
        )
    return found


def _sentences(figures: Sequence[tuple[Mapping, Context]]) -> list[_Sentence]:
    """The figures grouped by the sentence they are printed in (a table cell is a sentence of its own)."""
    grouped: dict[tuple, list[_Printed]] = {}
    for row, context in figures:
        where = (context.line, len(context.earlier), context.sentence, context.place)
        grouped.setdefault(where, []).append(_Printed(row, context))
    return [_Sentence(where[2], tuple(sorted(printed, key=lambda p: p.start))) for where, printed in grouped.items()]


def draft_claims(
    figures: Sequence[tuple[Mapping, Context]],
    corpus: Sequence[Mapping],
    reference: Reference | None = None,
) -> list[ClaimDraft]:
    """The claims a document's sentences state, sentence by sentence and then its ranks. `figures` are the
    document's figure rows (reviewed and just drafted) each with the Context it was printed in, `corpus` the other
    documents' reviewed figure rows (load_corpus), `reference` the catalogues the recomputation reads
    (load_reference)."""
    reference = reference or Reference()
    document = [row for row, _ in figures]
    found_in = _Figures(document, corpus, reference)
    found: list[_Found] = []
    for sentence in _sentences(figures):
        by_rate = _respectively(sentence, found_in)
        found += by_rate
        paired = {f.stated.id for f in by_rate}
        for p in sentence.printed:
            if p.percent and p.id not in paired:
                found.append(_rate(p, sentence, found_in))
            elif p.times:
                found.append(_multiple(p, sentence, found_in))
        found += _from_to(sentence)
        found += _parts(sentence)
    document_ids = {str(row["figure_id"]) for row in document}
    found += _ranked([_Printed(row, context) for row, context in figures], found_in, document_ids)

    by_id = {str(row["figure_id"]): row for row in (*corpus, *document)}
    drafts, seen = [], set()
    for f in filter(None, found):
        claim = {
            "claim_id": CLAIM_ID_PLACEHOLDER,
            "document_id": str(by_id[f.stated.id]["document_id"]),
            "section": f.stated.context.place.section or "",
            "paragraph": "" if f.stated.context.place.paragraph is None else str(f.stated.context.place.paragraph),
            "table_row": f.stated.context.place.table_row or "",
            "table_column": f.stated.context.place.table_column or "",
            "claim_kind": f.kind,
            "stated_figure_id": f.stated.id,
            "input_figure_ids": ";".join(f.operands),
            "relation": f.relation,
            "statement": f.statement,
        }
        if (f.kind, f.stated.id, claim["input_figure_ids"]) in seen:
            continue
        seen.add((f.kind, f.stated.id, claim["input_figure_ids"]))
        cross = tuple(i for o in f.operands for i in o.split("+") if i in found_in.corpus_ids)
        confidence = f.confidence * _RELATION_CONFIDENCE.get(f.relation, 1.0)
        confidence *= _CROSS_DOCUMENT_CONFIDENCE if cross else 1.0
        drafts.append(ClaimDraft(claim, round(confidence, 3), f.via, cross, recompute(claim, by_id, reference)))
    return drafts
