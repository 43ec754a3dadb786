"""Validate every source file before anything is written: all problems at once, each with file, line and reason."""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .literals import LiteralParseError, parse_literal, parse_unit_label
from .source_files import SOURCES, SOURCES_BY_NAME, Source


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class SourceValidationError(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        listing = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the source files:\n{listing}")


@dataclass
class Row:
    file: str
    line: int
    values: dict[str, object]

    def __getitem__(self, column: str):
        return self.values.get(column)


def _convert(kind: str, text: str):
    if kind == "int":
        return int(text)
    if kind == "decimal":
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidOperation
        return value
    if kind == "date":
        return date.fromisoformat(text)
    if kind == "bool":
        if text not in ("true", "false"):
            raise ValueError
        return text == "true"
    return text


class SourceSet:
    """The parsed rows of every source file, and the problems met while reading them."""

    def __init__(self, sources_dir: Path):
        self.sources_dir = sources_dir
        self.rows: dict[str, list[Row]] = {}
        self.problems: list[Problem] = []
        for source in SOURCES:
            self.rows[source.name] = self._read(source)

    def _rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.sources_dir.parent))
        except ValueError:
            return str(path)

    def _read(self, source: Source) -> list[Row]:
        files = source.files(self.sources_dir)
        if not files:
            self.problems.append(Problem(f"{self.sources_dir.name}/{source.pattern}", 0, "no such file"))
        rows: list[Row] = []
        for path in files:
            rel = self._rel(path)
            try:
                with path.open(newline="", encoding="utf-8") as handle:
                    records = list(csv.reader(handle, strict=True))
            except (UnicodeDecodeError, csv.Error) as exc:
                self.problems.append(Problem(rel, 0, f"unreadable CSV: {exc}"))
                continue
            if not records or records[0] != source.column_names:
                got = records[0] if records else []
                missing = [c for c in source.column_names if c not in got]
                extra = [c for c in got if c not in source.column_names]
                detail = f"missing {missing}" if missing else ""
                detail += f"{'; ' if detail else ''}unexpected {extra}" if extra else ""
                self.problems.append(Problem(rel, 1, f"header does not match the {source.name} format "
                                             f"({detail or 'columns out of order'})"))
                continue
            for line, record in enumerate(records[1:], start=2):
                if not any(cell.strip() for cell in record):
                    continue
                if len(record) != len(source.columns):
                    self.problems.append(Problem(rel, line, f"expected {len(source.columns)} columns, "
                                                 f"found {len(record)}"))
                    continue
                values: dict[str, object] = {}
                for column, cell in zip(source.columns, record):
                    cell = cell.strip()
                    if not cell:
                        if column.required:
                            self.problems.append(Problem(rel, line, f"{column.name} is required"))
                        values[column.name] = None
                        continue
                    try:
                        values[column.name] = _convert(column.kind, cell)
                    except (ValueError, InvalidOperation):
                        self.problems.append(Problem(rel, line, f"{column.name}={cell!r} is not a valid {column.kind}"))
                        values[column.name] = None
                        continue
                    if column.allowed and cell not in column.allowed:
                        self.problems.append(Problem(rel, line, f"{column.name}={cell!r} is not one of "
                                                     f"{', '.join(column.allowed)}"))
                if source.per_document and values.get("document_id") not in (None, path.stem):
                    self.problems.append(Problem(rel, line, f"document_id={values['document_id']!r} "
                                                 f"in the file of document {path.stem!r}"))
                rows.append(Row(rel, line, values))
        return rows

    def keys(self, source_name: str, column: str) -> set:
        return {row[column] for row in self.rows[source_name] if row[column] is not None}

    def by_key(self, source_name: str, column: str) -> dict:
        return {row[column]: row for row in self.rows[source_name]}


def _check_keys(sources: SourceSet) -> None:
    for source in SOURCES:
        seen: dict[tuple, Row] = {}
        for row in sources.rows[source.name]:
            key = tuple(row[c] for c in source.key)
            if None in key:
                continue
            if key in seen:
                first = seen[key]
                sources.problems.append(Problem(row.file, row.line, f"duplicate {'/'.join(source.key)} "
                                                f"{'/'.join(map(str, key))} (first at {first.file}:{first.line})"))
            else:
                seen[key] = row


def _check_references(sources: SourceSet) -> None:
    for source in SOURCES:
        for column, target in source.references.items():
            target_source, target_column = target.split(".")
            known = sources.keys(target_source, target_column)
            for row in sources.rows[source.name]:
                if row[column] is not None and row[column] not in known:
                    sources.problems.append(Problem(row.file, row.line, f"unknown {column} {row[column]!r} "
                                                    f"(not in {SOURCES_BY_NAME[target_source].pattern})"))
    entities = {"geography": sources.keys("geography", "geo_id"), "firm": sources.keys("firms", "firm_id")}
    for name in ("figures", "events"):
        for row in sources.rows[name]:
            kind, entity = row["entity_type"], row["entity_id"]
            if kind in entities and entity is not None and entity not in entities[kind]:
                catalogue = "geography.csv" if kind == "geography" else "firms.csv"
                sources.problems.append(Problem(row.file, row.line, f"unknown {kind} entity {entity!r} "
                                                f"(not in {catalogue})"))


def _check_literal(sources: SourceSet, row: Row) -> None:
    def problem(reason: str) -> None:
        sources.problems.append(Problem(row.file, row.line, f"{row['figure_id']}: {reason}"))

    try:
        quantity = parse_literal(row["stated_text"], row["unit_as_printed"] or "")
        if row["unit_interpreted"]:
            scale, currency, unit = parse_unit_label(row["unit_interpreted"])
            quantity = type(quantity)(quantity.value, quantity.value_high, quantity.decimals, scale, currency,
                                      unit, quantity.comparator)
    except LiteralParseError as exc:
        problem(f"unparseable literal: {exc}")
        return
    if row["unit_interpreted"] and not row["interpretation_note"]:
        problem("unit_interpreted needs an interpretation_note saying why")
    expected = {
        "value": quantity.value, "value_high": quantity.value_high, "decimals": quantity.decimals,
        "scale": quantity.scale, "currency": quantity.currency,
    }
    for column, parsed in expected.items():
        curated = row[column]
        if curated is None and parsed is None:
            continue
        if curated is None or parsed is None or curated != parsed:
            problem(f"{column}={curated} disagrees with the literal {row['stated_text']!r} (reads {parsed})")
    if quantity.unit is not None and row["unit"] != quantity.unit:
        problem(f"unit={row['unit']!r} disagrees with the literal {row['stated_text']!r} (reads {quantity.unit})")
    if row["comparator"] != quantity.comparator and not (quantity.comparator == "eq" and row["interpretation_note"]):
        problem(f"comparator={row['comparator']!r} disagrees with the literal {row['stated_text']!r} "
                f"(reads {quantity.comparator}); a qualifier outside the literal needs an interpretation_note")


def _figure_year(row: Row) -> int | None:
    return row["end_year"] if row["period_kind"] == "span" else row["year"]


def _check_figures(sources: SourceSet) -> None:
    documents = sources.by_key("documents", "document_id")
    indicators = sources.by_key("indicators", "indicator_code")
    rates = {(r["year"], r["currency"]) for r in sources.rows["fx_rates"] if r["series"] == "wdi"}
    for row in sources.rows["figures"]:
        def problem(reason: str, row=row) -> None:
            sources.problems.append(Problem(row.file, row.line, f"{row['figure_id']}: {reason}"))

        if row["stated_text"] is not None and row["value"] is not None:
            _check_literal(sources, row)
        kind = row["period_kind"]
        needs = {"year": ("year",), "as_of": ("year", "as_of_date"), "span": ("start_year", "end_year"),
                 "unspecified": ()}.get(kind, ())
        for column in needs:
            if row[column] is None:
                problem(f"period_kind {kind} needs {column}")
        if kind == "span" and row["start_year"] and row["end_year"] and row["start_year"] > row["end_year"]:
            problem(f"span {row['start_year']}-{row['end_year']} runs backwards")
        year = _figure_year(row)
        document = documents.get(row["document_id"])
        if year is not None:
            if year < 1900:
                problem(f"year {year} is before 1900")
            if document is not None and document["year"] is not None and year > document["year"]:
                problem(f"year {year} is after the document's publication ({document['year']})")
        indicator = indicators.get(row["indicator_code"])
        if indicator is not None and row["value"] is not None:
            if indicator["unit_kind"] in ("count", "currency", "area", "rank") and row["value"] < 0:
                problem(f"negative {indicator['unit_kind']} {row['value']}")
            if indicator["unit_kind"] == "currency":
                if row["currency"] is None:
                    problem(f"indicator {row['indicator_code']!r} measures money but the figure has no currency")
            elif indicator["unit"] != row["unit"]:
                problem(f"unit {row['unit']!r} is not the unit of indicator {row['indicator_code']!r} "
                        f"({indicator['unit']!r})")
        if row["currency"] is not None:
            if year is None:
                problem("monetary figure without a year cannot be converted")
            else:
                for currency in {row["currency"], "CNY"} - {"USD"}:
                    if (year, currency) not in rates:
                        problem(f"monetary figure in {row['currency']}: no {currency} per US$ rate for {year} "
                                "in fx_rates.csv (series wdi)")


def _split_ids(text: str | None) -> list[str]:
    if not text:
        return []
    return [part.strip() for group in text.split(";") for part in group.split("+") if part.strip()]


def _check_claims_and_mentions(sources: SourceSet) -> None:
    figures = sources.by_key("figures", "figure_id")
    for row in sources.rows["claims"]:
        stated = figures.get(row["stated_figure_id"])
        if stated is not None and stated["document_id"] != row["document_id"]:
            sources.problems.append(Problem(row.file, row.line, f"{row['claim_id']}: stated figure "
                                            f"{row['stated_figure_id']!r} belongs to another document"))
        for figure_id in _split_ids(row["input_figure_ids"]):
            if figure_id not in figures:
                sources.problems.append(Problem(row.file, row.line, f"{row['claim_id']}: claim names figure "
                                                f"{figure_id!r}, which does not exist"))
    for row in sources.rows["mentions"]:
        figure = figures.get(row["figure_id"])
        if figure is not None and figure["document_id"] != row["document_id"]:
            sources.problems.append(Problem(row.file, row.line, f"mention of {row['figure_id']!r} "
                                            "in a document the figure does not belong to"))
    mentioned = {row["figure_id"] for row in sources.rows["mentions"]}
    for figure_id, row in figures.items():
        if figure_id not in mentioned:
            sources.problems.append(Problem(row.file, row.line, f"{figure_id}: figure has no mention"))


def _check_documents(sources: SourceSet, documents_dir: Path) -> None:
    texts: dict[str, str] = {}
    for row in sources.rows["documents"]:
        path = documents_dir / row["file_name"]
        if not path.is_file():
            sources.problems.append(Problem(row.file, row.line, f"document text {path} not found in DOCUMENTS_DIR"))
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != row["sha256"]:
            sources.problems.append(Problem(row.file, row.line, f"sha256 of {path.name} is {digest}, "
                                            f"not {row['sha256']}: the text changed"))
        texts[row["document_id"]] = data.decode("utf-8")
    for name, column in (("figures", "stated_text"), ("events", "stated_text")):
        for row in sources.rows[name]:
            text = texts.get(row["document_id"])
            if text is not None and row[column] and row[column] not in text:
                sources.problems.append(Problem(row.file, row.line, f"{column} {row[column]!r} does not occur "
                                                f"in document {row['document_id']!r}"))


def validate_sources(sources_dir: Path, documents_dir: Path | None = None) -> SourceSet:
    """Read and check every source; raise SourceValidationError listing every problem found."""
    sources = SourceSet(sources_dir)
    _check_keys(sources)
    _check_references(sources)
    _check_figures(sources)
    _check_claims_and_mentions(sources)
    if documents_dir is not None:
        _check_documents(sources, documents_dir)
    if sources.problems:
        raise SourceValidationError(sources.problems)
    return sources
