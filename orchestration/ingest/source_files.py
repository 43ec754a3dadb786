"""The shape of every file in `sources/`: columns, types, keys and what each key refers to.

One declaration per source drives both the validation (Python, with line numbers) and the DuckDB load
(`read_csv` with explicit column types), so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# DuckDB column types by the short names used below
SQL_TYPES = {"str": "VARCHAR", "int": "INTEGER", "decimal": "DECIMAL(38,10)", "date": "DATE", "bool": "BOOLEAN"}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "str"  # str, int, decimal, date, bool
    required: bool = False
    allowed: tuple[str, ...] = ()

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


@dataclass(frozen=True)
class Source:
    name: str  # the table in schema `raw`
    pattern: str  # glob under the sources folder
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    description: str
    per_document: bool = False  # one file per document, named after its document_id
    references: dict[str, str] = field(default_factory=dict)  # column -> "source.column"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def files(self, sources_dir: Path) -> list[Path]:
        return sorted(sources_dir.glob(self.pattern))


def _c(name: str, kind: str = "str", required: bool = False, allowed: tuple[str, ...] = ()) -> Column:
    return Column(name, kind, required, allowed)


LOCATOR = (_c("section", required=True), _c("paragraph", "int"), _c("table_row"), _c("table_column"))
ENTITY_TYPES = ("geography", "firm")
COMPARATORS = ("eq", "approx", "gt", "lt", "ge", "le", "range")
CURRENCIES = ("CNY", "USD", "JPY")

SOURCES: tuple[Source, ...] = (
    Source(
        "documents", "documents.csv",
        (
            _c("document_id", required=True), _c("file_name", required=True), _c("title", required=True),
            _c("authors", required=True), _c("year", "int"), _c("published", "date"), _c("venue"),
            _c("kind", required=True, allowed=("blog_post", "discussion_paper", "journal_article", "conference_paper")),
            _c("sha256", required=True), _c("url"), _c("note"),
        ),
        ("document_id",), "The research documents the figures come from, with the sha256 of the text used.",
    ),
    Source(
        "geography", "geography.csv",
        (
            _c("geo_id", required=True), _c("name", required=True),
            _c("level", required=True, allowed=("zone", "park", "city", "province", "country", "region", "world")),
            _c("parent_id"), _c("iso_code"), _c("note"),
        ),
        ("geo_id",), "Places: zone/park -> city -> province -> country, and the foreign countries and regions named.",
        references={"parent_id": "geography.geo_id"},
    ),
    Source(
        "firms", "firms.csv",
        (
            _c("firm_id", required=True), _c("canonical_name", required=True), _c("short_name"),
            _c("firm_kind", required=True), _c("founded_year", "int"), _c("home_geo_id"), _c("note"),
        ),
        ("firm_id",), "Firms and park operators named in the documents.",
        references={"home_geo_id": "geography.geo_id"},
    ),
    Source(
        "firm_aliases", "firm_aliases.csv",
        (
            _c("firm_id", required=True), _c("alias", required=True),
            _c("alias_kind", required=True, allowed=("abbreviation", "full_name", "former_name", "romanization")),
            _c("valid_from_year", "int"), _c("valid_to_year", "int"), _c("document_id"),
        ),
        ("firm_id", "alias"), "Every name a firm was known by, with the years it applied.",
        references={"firm_id": "firms.firm_id", "document_id": "documents.document_id"},
    ),
    Source(
        "indicators", "indicators.csv",
        (
            _c("indicator_code", required=True), _c("indicator_name", required=True),
            _c("unit_kind", required=True, allowed=("currency", "count", "percent", "growth", "ratio", "rank", "area")),
            _c("unit", required=True), _c("additive", "bool", required=True), _c("definition", required=True),
        ),
        ("indicator_code",), "What is measured: name, unit and whether parts may be summed.",
    ),
    Source(
        "fx_rates", "fx_rates.csv",
        (
            _c("year", "int", required=True), _c("currency", required=True, allowed=CURRENCIES),
            _c("series", required=True, allowed=("wdi", "fred")), _c("units_per_usd", "decimal", required=True),
        ),
        ("year", "currency", "series"), "Annual average exchange rates, currency units per US dollar.",
    ),
    Source(
        "figures", "figures/*.csv",
        (
            _c("figure_id", required=True), _c("document_id", required=True), *LOCATOR,
            _c("entity_type", required=True, allowed=ENTITY_TYPES), _c("entity_id", required=True),
            _c("indicator_code", required=True),
            _c("period_kind", required=True, allowed=("year", "span", "as_of", "unspecified")),
            _c("year", "int"), _c("start_year", "int"), _c("end_year", "int"), _c("as_of_date", "date"),
            _c("stated_text", required=True), _c("unit_as_printed"), _c("value", "decimal", required=True),
            _c("value_high", "decimal"), _c("decimals", "int", required=True), _c("scale", "int", required=True),
            _c("unit", required=True), _c("currency", allowed=CURRENCIES),
            _c("comparator", required=True, allowed=COMPARATORS),
            _c("obs_status", required=True, allowed=("A", "E", "F", "Q")),
            _c("unit_interpreted"), _c("interpretation_note"),
        ),
        ("figure_id",), "Every distinct figure a document states, with its printed literal and parsed quantity.",
        per_document=True,
        references={"document_id": "documents.document_id", "indicator_code": "indicators.indicator_code"},
    ),
    Source(
        "mentions", "mentions/*.csv",
        (
            _c("mention_id", required=True), _c("figure_id", required=True), _c("document_id", required=True),
            *LOCATOR, _c("occurrence", "int", required=True),
        ),
        ("mention_id",), "Every place a figure is printed; a repeated paragraph gives a figure a second mention.",
        per_document=True,
        references={"figure_id": "figures.figure_id", "document_id": "documents.document_id"},
    ),
    Source(
        "claims", "claims/*.csv",
        (
            _c("claim_id", required=True), _c("document_id", required=True), *LOCATOR,
            _c("claim_kind", required=True, allowed=(
                "growth", "share", "sum", "multiple", "fx_share", "same_total", "bound", "rank", "magnitude")),
            _c("stated_figure_id", required=True), _c("input_figure_ids", required=True),
            _c("relation", allowed=("eq", "of_which", "gt", "lt", "part_only", "denominator_only", "no_base")),
            _c("statement", required=True),
        ),
        ("claim_id",), "Statements that relate figures (growth, share, sum, N times, ...), recomputable.",
        per_document=True,
        references={"document_id": "documents.document_id", "stated_figure_id": "figures.figure_id"},
    ),
    Source(
        "discrepancy_register", "discrepancy_register.csv",
        (
            _c("claim_id", required=True),
            _c("verdict", required=True, allowed=("inconsistent", "gross_inconsistency", "unverifiable")),
            _c("diagnosis", required=True), _c("explanation", required=True),
        ),
        ("claim_id",), "Every claim the checks do not find consistent, investigated: what the document most likely meant.",
        references={"claim_id": "claims.claim_id"},
    ),
    Source(
        "events", "events/*.csv",
        (
            _c("event_id", required=True), _c("document_id", required=True), _c("section", required=True),
            _c("paragraph", "int"), _c("entity_type", required=True, allowed=ENTITY_TYPES),
            _c("entity_id", required=True), _c("event_kind", required=True), _c("year", "int", required=True),
            _c("month", "int"), _c("stated_text", required=True), _c("description", required=True),
        ),
        ("event_id",), "Dated milestones: foundings, listings, park openings, policy decisions.",
        per_document=True,
        references={"document_id": "documents.document_id"},
    ),
)

SOURCES_BY_NAME = {s.name: s for s in SOURCES}
