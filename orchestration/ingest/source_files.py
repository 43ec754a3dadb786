"""The shape of every file in `sources/`: columns, types, the rules their values follow, keys and what each key
refers to.

One declaration per source drives both the validation and the DuckDB load (the load writes the rows the validation
read and typed, reading.py), so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..dbt_vars import dbt_var
from .literals import MAX_SCALE

# sources/README.md, Conventions: every id and every reference to one
ID_PATTERN = "[a-z][a-z0-9_]*"
FIRST_YEAR = 1900
# firms and their names may be older than anything the documents state
FIRST_FIRM_YEAR = 1800
CURRENT_YEAR = date.today().year


@dataclass(frozen=True)
class Rule:
    """A condition every value of a column meets, in SQL on the typed value `{c}`, and the problem a value that
    does not meet it gives, `{value}` standing for the value (both placeholders are replaced, not formatted)."""

    holds: str
    problem: str


@dataclass(frozen=True)
class RowRule:
    """A condition every row of a source meets, in SQL on its typed columns (a row where it is NULL, because a
    cell it reads is empty or unreadable, passes: the cell checks report that), and the problem a row that does
    not meet it gives, a SQL string expression."""

    holds: str
    problem: str


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "str"  # str, int, decimal, date, bool: cast as reading.py says
    required: bool = False
    allowed: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    # a suggestion `warehouse draft` may leave empty: required only once a person has reviewed the row
    suggested: bool = False


@dataclass(frozen=True)
class Source:
    name: str  # the table in schema `raw`
    pattern: str  # glob under the sources folder
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    description: str
    per_document: bool = False  # one file per document, named after its document_id
    optional: bool = False  # a source no document needs: no file at all is no problem
    references: dict[str, str] = field(default_factory=dict)  # column -> "source.column"
    row_rules: tuple[RowRule, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def files(self, sources_dir: Path) -> list[Path]:
        return sorted(sources_dir.glob(self.pattern))


def _c(
    name: str,
    kind: str = "str",
    required: bool = False,
    allowed: tuple[str, ...] = (),
    rules: tuple[Rule, ...] = (),
    suggested: bool = False,
) -> Column:
    return Column(name, kind, required, allowed, rules, suggested)


def _id(name: str, required: bool = False, suggested: bool = False) -> Column:
    return _c(
        name,
        required=required,
        suggested=suggested,
        rules=(
            Rule(
                f"regexp_full_match({{c}}, '{ID_PATTERN}')",
                f"{name}='{{value}}' is not an id (lowercase ASCII letters, digits and _, starting with a letter)",
            ),
        ),
    )


def _year(name: str, required: bool = False, earliest: int = FIRST_YEAR, by_document: bool = False) -> Column:
    """A year within the window every source keeps to; a figure's or event's is bounded above by its document's
    publication instead (validate.py)."""
    return _c(name, "int", required, rules=_window(name, "{c}", earliest, by_document))


def _window(name: str, year: str, earliest: int, by_document: bool) -> tuple[Rule, ...]:
    rules = (Rule(f"{year} >= {earliest}", f"{name} {{value}} is before {earliest}"),)
    if not by_document:
        rules += (Rule(f"{year} <= {CURRENT_YEAR}", f"{name} {{value}} is after {CURRENT_YEAR}, the current year"),)
    return rules


def _position(name: str, required: bool = False) -> Column:
    return _c(name, "int", required, rules=(Rule("{c} >= 1", f"{name} {{value}} is not a position (1, 2, ...)"),))


def _url(name: str) -> Column:
    # one address, or several separated by "; " (a series published as one page per currency)
    return _c(
        name,
        rules=(
            Rule(
                r"regexp_full_match({c}, 'https?://[^\s;]+(; https?://[^\s;]+)*')",
                f"{name}='{{value}}' is not an http:// or https:// address",
            ),
        ),
    )


def _date(name: str) -> Column:
    return _c(name, "date", rules=_window(name, "year({c})", FIRST_YEAR, by_document=False))


def _declared(name: str) -> tuple[str, ...]:
    """The values a column may take, as dbt_project.yml declares them (vars): dbt's accepted_values tests read the
    same list, so the validator and dbt cannot disagree on them."""
    return tuple(dbt_var(name))


LOCATOR = (_c("section", required=True), _position("paragraph"), _c("table_row"), _c("table_column"))
ENTITY_TYPES = _declared("entity_types")
COMPARATORS = _declared("comparators")
CURRENCIES = _declared("currencies")
# A row `warehouse draft` wrote is a draft until a person reviews it: drafts are validated (their suggested cells
# may be empty) and loaded into raw, but staging leaves them out, so they never reach the marts.
REVIEW_STATUS = _c("review_status", required=True, allowed=("draft", "reviewed"))
# What a document may be.
DOCUMENT_KINDS = _declared("document_kinds")
# What a measure's own unit may be (sources/measures.csv); a level keeps the indicator's.
MEASURE_UNIT_KINDS = _declared("measure_unit_kinds")
# How sources/identities.csv relates indicators.
IDENTITY_RULES = _declared("identity_rules")
# The reference datasets whose series reference_origins.csv describes.
REFERENCE_DATASETS = ("fx_rates",)

SOURCES: tuple[Source, ...] = (
    Source(
        "documents",
        "documents.csv",
        (
            _id("document_id", required=True),
            _c("file_name"),
            _c("title", required=True),
            _c("authors"),
            _c("publisher"),
            _year("year"),
            _date("published"),
            _date("date_accessed"),
            _c("venue"),
            _c("kind", required=True, allowed=DOCUMENT_KINDS),
            _c(
                "sha256",
                rules=(
                    Rule(
                        "regexp_full_match({c}, '[0-9a-f]{64}')",
                        "sha256='{value}' is not 64 lowercase hexadecimal digits",
                    ),
                ),
            ),
            _url("url"),
            _c("licence"),
            _c("note"),
        ),
        ("document_id",),
        "The research documents the figures come from, with the sha256 of the text used and "
        "where and when it was published and read.",
        row_rules=(
            # a news item or a government release names no authors: who published it is then its origin
            RowRule(
                "authors is not null or publisher is not null",
                "'neither authors nor publisher: a document without authors must name its publisher'",
            ),
            RowRule(
                "date_accessed >= published",
                "'date_accessed ' || date_accessed || ' is before published ' || published",
            ),
            # a document known only by its numbers has no text file; one with a text names its checksum
            RowRule("file_name is null or sha256 is not null", "'file_name ' || file_name || ' needs its sha256'"),
            RowRule("sha256 is null or file_name is not null", "'sha256 without a file_name'"),
        ),
    ),
    Source(
        "geography",
        "geography.csv",
        (
            _id("geo_id", required=True),
            _c("name", required=True),
            _c("level", required=True, allowed=_declared("geography_levels")),
            _id("parent_id"),
            _c("iso_code"),
            _c("note"),
        ),
        ("geo_id",),
        "Places: zone/park -> city -> province -> country, and the foreign countries and regions named.",
        references={"parent_id": "geography.geo_id"},
    ),
    Source(
        "firms",
        "firms.csv",
        (
            _id("firm_id", required=True),
            _c("canonical_name", required=True),
            _c("short_name"),
            _c("firm_kind", required=True),
            _year("founded_year", earliest=FIRST_FIRM_YEAR),
            _id("home_geo_id"),
            _c("note"),
        ),
        ("firm_id",),
        "Firms and park operators named in the documents.",
        references={"home_geo_id": "geography.geo_id"},
    ),
    Source(
        "firm_aliases",
        "firm_aliases.csv",
        (
            _id("firm_id", required=True),
            _c("alias", required=True),
            _c("alias_kind", required=True, allowed=("abbreviation", "full_name", "former_name", "romanization")),
            _year("valid_from_year", earliest=FIRST_FIRM_YEAR),
            _year("valid_to_year", earliest=FIRST_FIRM_YEAR),
            _id("document_id"),
        ),
        ("firm_id", "alias"),
        "Every name a firm was known by, with the years it applied.",
        references={"firm_id": "firms.firm_id", "document_id": "documents.document_id"},
    ),
    Source(
        "indicators",
        "indicators.csv",
        (
            _id("indicator_code", required=True),
            _c("indicator_name", required=True),
            _c("unit_kind", required=True, allowed=_declared("unit_kinds")),
            _c("unit", required=True),
            _c("additive", "bool", required=True),
            _c("definition", required=True),
        ),
        ("indicator_code",),
        "What is measured: name, unit and whether parts may be summed.",
    ),
    Source(
        # SDMX UNIT_MEASURE / transformation style: a growth rate, share, multiple or rank of an indicator is
        # that indicator with a measure, so two documents stating one concept land on one indicator code
        "measures",
        "measures.csv",
        (
            _id("measure", required=True),
            _c("measure_name", required=True),
            _c("unit_kind", allowed=MEASURE_UNIT_KINDS),
            _c("unit"),
            _c("definition", required=True),
        ),
        ("measure",),
        "How a figure measures its indicator: the level itself, or a growth rate, share, multiple "
        "or rank of it, with the unit that replaces the indicator's.",
        row_rules=(
            # a measure either keeps the indicator's unit (level) or replaces it whole
            RowRule(
                "(unit_kind is null) = (unit is null)",
                "'unit_kind and unit are given together (a measure with its own unit) or both left empty "
                "(the indicator''s own unit)'",
            ),
        ),
    ),
    Source(
        # SDMX VTL hierarchical rulesets: each relation between indicators is declared once and checked on every
        # combination of figures, from any documents, it covers (dbt model int_derived_claims)
        "identities",
        "identities.csv",
        (
            _id("identity_id", required=True),
            _c("rule", required=True, allowed=IDENTITY_RULES),
            _id("whole_indicator"),
            _c(
                "part_indicators",
                required=True,
                rules=(
                    Rule(
                        f"{{c}} = '*' or regexp_full_match({{c}}, '{ID_PATTERN}(;{ID_PATTERN})*')",
                        "part_indicators='{value}' is not * (every indicator) or indicator codes joined by ;",
                    ),
                ),
            ),
            _c("whole_entity", required=True, allowed=("same", "parent")),
            _c("description", required=True),
        ),
        ("identity_id",),
        "Relations between indicators the warehouse checks on its own: a whole is the sum of its parts, a part "
        "never exceeds its whole, a share is a part over its whole, growth, compound growth and a multiple follow "
        "from levels, two related indicators are of one order of magnitude.",
        references={"whole_indicator": "indicators.indicator_code"},
        row_rules=(
            RowRule(
                "(whole_indicator is null) = (rule in ('growth', 'avg_growth', 'multiple'))",
                "'rule ' || rule || case when whole_indicator is null then ' needs a whole_indicator' "
                "else ' relates an indicator''s levels to each other: leave whole_indicator empty' end",
            ),
        ),
    ),
    Source(
        "fx_rates",
        "fx_rates.csv",
        (
            _year("year", required=True),
            _c("currency", required=True, allowed=CURRENCIES),
            _c("series", required=True, allowed=("wdi", "fred")),
            _c(
                "units_per_usd",
                "decimal",
                required=True,
                rules=(Rule("{c} > 0", "units_per_usd {value} is not a rate: it must be above 0"),),
            ),
        ),
        ("year", "currency", "series"),
        "Annual average exchange rates, currency units per US dollar.",
    ),
    Source(
        "reference_origins",
        "reference_origins.csv",
        (
            _c("dataset", required=True, allowed=REFERENCE_DATASETS),
            _id("series", required=True),
            _c("producer", required=True),
            _c("title", required=True),
            _url("url"),
            _date("date_accessed"),
            _c("licence"),
            _c("description", required=True),
        ),
        ("dataset", "series"),
        "Where each series of the reference data comes from: producer, title, address, date accessed and licence.",
    ),
    Source(
        "figures",
        "figures/*.csv",
        (
            _id("figure_id", required=True),
            _id("document_id", required=True),
            *LOCATOR,
            _c("entity_type", required=True, allowed=ENTITY_TYPES, suggested=True),
            _id("entity_id", required=True, suggested=True),
            _id("indicator_code", required=True, suggested=True),
            _id("measure", required=True, suggested=True),
            _c("period_kind", required=True, allowed=_declared("period_kinds")),
            _year("year", by_document=True),
            _year("start_year", by_document=True),
            _year("end_year", by_document=True),
            _c("as_of_date", "date", rules=_window("as_of_date", "year({c})", FIRST_YEAR, by_document=True)),
            _c("stated_text", required=True),
            _c("unit_as_printed"),
            _c("value", "decimal", required=True),
            _c("value_high", "decimal"),
            _c("decimals", "int", required=True),
            _c(
                "scale",
                "int",
                required=True,
                rules=(
                    Rule(
                        f"{{c}} between 0 and {MAX_SCALE}",
                        f"scale {{value}} is not a power of ten from 0 to {MAX_SCALE}",
                    ),
                ),
            ),
            _c("unit", required=True, suggested=True),
            _c("currency", allowed=CURRENCIES),
            _c("comparator", required=True, allowed=COMPARATORS),
            _c("obs_status", required=True, allowed=_declared("obs_statuses")),
            _c("unit_interpreted"),
            _c("interpretation_note"),
            REVIEW_STATUS,
        ),
        ("figure_id",),
        "Every distinct figure a document states, with its printed literal and parsed quantity.",
        per_document=True,
        references={
            "document_id": "documents.document_id",
            "indicator_code": "indicators.indicator_code",
            "measure": "measures.measure",
        },
    ),
    Source(
        "mentions",
        "mentions/*.csv",
        (
            _id("mention_id", required=True),
            _id("figure_id", required=True),
            _id("document_id", required=True),
            *LOCATOR,
            _position("occurrence", required=True),
            REVIEW_STATUS,
        ),
        ("mention_id",),
        "Every place a figure is printed; a repeated paragraph gives a figure a second mention.",
        per_document=True,
        references={"figure_id": "figures.figure_id", "document_id": "documents.document_id"},
    ),
    Source(
        "claims",
        "claims/*.csv",
        (
            _id("claim_id", required=True),
            _id("document_id", required=True),
            *LOCATOR,
            _c(
                "claim_kind",
                required=True,
                allowed=_declared("claim_kinds"),
            ),
            _id("stated_figure_id", required=True),
            _c(
                "input_figure_ids",
                required=True,
                rules=(
                    Rule(
                        f"regexp_full_match({{c}}, '{ID_PATTERN}([;+]{ID_PATTERN})*')",
                        "input_figure_ids='{value}' is not a list of figure ids joined by ; and +",
                    ),
                ),
            ),
            _c("relation", allowed=("eq", "of_which", "gt", "lt", "part_only", "denominator_only", "no_base")),
            _c("statement", required=True),
            # empty: a curator wrote it; `warehouse review --accept-claims` writes drafted
            _c("claim_origin", allowed=tuple(o for o in _declared("claim_origins") if o != "derived")),
        ),
        ("claim_id",),
        "Statements that relate figures (growth, share, sum, N times, ...), recomputable.",
        per_document=True,
        references={"document_id": "documents.document_id", "stated_figure_id": "figures.figure_id"},
    ),
    Source(
        "discrepancy_register",
        "discrepancy_register.csv",
        (
            _id("claim_id", required=True),
            # every verdict but consistent needs investigating (dbt var claim_verdicts)
            _c("verdict", required=True, allowed=tuple(v for v in _declared("claim_verdicts") if v != "consistent")),
            _c("diagnosis", required=True),
            _c("explanation", required=True),
        ),
        ("claim_id",),
        "Every claim the checks do not find consistent, investigated: what the document most likely meant.",
    ),
    Source(
        "reconciliation_register",
        "reconciliation_register.csv",
        (
            _id("reconciliation_id", required=True),
            # every verdict but agreement needs investigating (dbt var reconciliation_verdicts)
            _c(
                "verdict",
                required=True,
                allowed=tuple(v for v in _declared("reconciliation_verdicts") if v != "agree"),
            ),
            _c("diagnosis", required=True),
            _c("explanation", required=True),
        ),
        ("reconciliation_id",),
        "Every fact two documents state differently (marts.figure_reconciliation not 'agree'), investigated: which "
        "is more likely right and why. A reconciliation id is computed, not a source row: the gate "
        "(expectations/reconciliation_register) fails on an entry no group matches.",
        optional=True,
    ),
    Source(
        "preferred_figures",
        "preferred_figures.csv",
        (
            _id("figure_id", required=True),
            _c("reason", required=True),
        ),
        ("figure_id",),
        "A user's pinned choice of the figure that stands for its fact in marts.preferred_figures, with the reason; "
        "it overrides the ranking rule.",
        optional=True,
        references={"figure_id": "figures.figure_id"},
    ),
    Source(
        "events",
        "events/*.csv",
        (
            _id("event_id", required=True),
            _id("document_id", required=True),
            _c("section", required=True),
            _position("paragraph"),
            _c("entity_type", required=True, allowed=ENTITY_TYPES),
            _id("entity_id", required=True),
            _c("event_kind", required=True),
            _year("year", required=True, by_document=True),
            # the last year a date printed only by decade admits ("late 1980s": year 1980, year_high 1989), so
            # no year is invented; empty when the date names its year
            _year("year_high", by_document=True),
            _c("month", "int", rules=(Rule("{c} between 1 and 12", "month {value} is not a month (1 to 12)"),)),
            _c("stated_text", required=True),
            _c("description", required=True),
        ),
        ("event_id",),
        "Dated milestones: foundings, listings, park openings, policy decisions.",
        per_document=True,
        references={"document_id": "documents.document_id"},
        row_rules=(
            RowRule(
                "year_high >= year",
                "'year_high ' || year_high || ' is before year ' || year || ' (the span a date admits runs forwards)'",
            ),
        ),
    ),
    Source(
        "not_figures",
        "not_figures/*.csv",
        (
            _id("document_id", required=True),
            _c("section"),
            _position("paragraph"),
            _c("printed"),
            _c("reason", required=True),
            REVIEW_STATUS,
        ),
        ("document_id", "section", "paragraph", "printed"),
        "Numbers printed in a document's text that are not figures (a citation's year, a section number, part of "
        "a name), each with the reason; the coverage check accounts for every other number.",
        per_document=True,
        optional=True,
        references={"document_id": "documents.document_id"},
        row_rules=(
            RowRule("section is not null or paragraph is null", "'a paragraph needs its section'"),
            RowRule(
                "section is not null or printed is not null",
                "'neither section nor printed: an entry would ignore every number of the document'",
            ),
        ),
    ),
)

SOURCES_BY_NAME = {s.name: s for s in SOURCES}
