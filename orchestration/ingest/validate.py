"""Validate every source file before anything is written: all problems at once, each with file, line and reason.

The rows are read by DuckDB's own CSV reader into a private in-memory database and checked there in SQL, so the
cost stays close to what DuckDB itself needs at any size, and memory stays bounded (DuckDB spills). Only what
SQL cannot do passes through Python: each distinct printed literal is parsed once, the few rows that fail are
formatted into messages, and the document texts are hashed and searched.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .changes import RunPlan, plan_run, source_files
from .load import connect
from .literals import LiteralParseError, parse_literal, parse_unit_label
from .source_files import SOURCES, SOURCES_BY_NAME, Source

# Checks on the figures, each a SQL condition on a row of `figures` joined to its document, indicator and the
# parsed literal, with the reason it gives. Columns are the typed values; `*_text` the cells as printed.
_FIGURE_CHECKS: list[tuple[str, str]] = [
    ("period_kind in ('year', 'as_of') and year is null", "'period_kind ' || period_kind || ' needs year'"),
    ("period_kind = 'as_of' and as_of_date is null", "'period_kind as_of needs as_of_date'"),
    ("period_kind = 'span' and start_year is null", "'period_kind span needs start_year'"),
    ("period_kind = 'span' and end_year is null", "'period_kind span needs end_year'"),
    ("period_kind = 'span' and start_year > end_year",
     "'span ' || start_year || '-' || end_year || ' runs backwards'"),
    ("ref_year < 1900", "'year ' || ref_year || ' is before 1900'"),
    ("ref_year > document_year",
     "'year ' || ref_year || ' is after the document''s publication (' || document_year || ')'"),
    ("unit_kind in ('count', 'currency', 'area', 'rank') and value < 0",
     "'negative ' || unit_kind || ' ' || value_text"),
    ("unit_kind = 'currency' and currency is null",
     "'indicator ' || q(indicator_code) || ' measures money but the figure has no currency'"),
    ("unit_kind is not null and unit_kind <> 'currency' and indicator_unit <> unit",
     "'unit ' || q(unit) || ' is not the unit of indicator ' || q(indicator_code) || ' (' "
     "|| q(indicator_unit) || ')'"),
    ("currency is not null and ref_year is null", "'monetary figure without a year cannot be converted'"),
    ("currency is not null and ref_year is not null and currency <> 'USD' and own_rate is null",
     "'monetary figure in ' || currency || ': no ' || currency || ' per US$ rate for ' || ref_year "
     "|| ' in fx_rates.csv (series wdi)'"),
    ("currency is not null and ref_year is not null and currency <> 'CNY' and cny_rate is null",
     "'monetary figure in ' || currency || ': no CNY per US$ rate for ' || ref_year "
     "|| ' in fx_rates.csv (series wdi)'"),
]


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


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _typed(source: Source) -> str:
    """The select list that turns the VARCHAR cells into the declared types (NULL where a cell does not cast)."""
    casts = {"str": "{c}", "int": "case when regexp_full_match({c}, '-?[0-9]+') then try_cast({c} as integer) end", "decimal": "try_cast({c} as decimal(38, 10))",
             "date": "try_cast({c} as date)", "bool": "case {c} when 'true' then true when 'false' then false end"}
    return ", ".join(f"{casts[c.kind].format(c=_identifier(c.name))} as {_identifier(c.name)}" for c in source.columns)


class _Checker:
    """Checks the rows of the files a run reads; in an incremental run, rows of documents it keeps are read from
    the warehouse it starts from (`base`), so keys and references are checked across both."""

    def __init__(self, sources_dir: Path, baseline: Path | None):
        self.sources_dir = sources_dir
        self.con = connect()
        self.baseline = "base" if baseline is not None else None
        if baseline is not None:
            self.con.execute("attach $path as base (read_only)", {"path": str(baseline)})
        # a value as Python's repr shows it in messages: 'text'
        self.con.execute("create macro q(x) as '''' || x || ''''")
        self.problems: list[Problem] = []

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.sources_dir.parent))
        except ValueError:
            return str(path)

    def report(self, sql: str, params: list | None = None) -> None:
        """Add one problem per row of a query returning (file, line, reason)."""
        for file, line, reason in self.con.execute(sql, params or []).fetchall():
            self.problems.append(Problem(file, int(line), reason))

    # -- reading -------------------------------------------------------------------------------------------

    def _header_ok(self, source: Source, path: Path, rel: str) -> bool:
        try:
            with path.open(newline="", encoding="utf-8") as handle:
                header = next(csv.reader(handle, strict=True), [])
        except (UnicodeDecodeError, csv.Error) as exc:
            self.problems.append(Problem(rel, 0, f"unreadable CSV: {exc}"))
            return False
        if header == source.column_names:
            return True
        missing = [c for c in source.column_names if c not in header]
        extra = [c for c in header if c not in source.column_names]
        detail = f"missing {missing}" if missing else ""
        detail += f"{'; ' if detail else ''}unexpected {extra}" if extra else ""
        self.problems.append(Problem(rel, 1, f"header does not match the {source.name} format "
                                     f"({detail or 'columns out of order'})"))
        return False

    def read(self, source: Source, plan: RunPlan | None = None) -> None:
        """Load the files of a source this run reads as text cells with their file and line, reporting
        malformed rows."""
        names = source.column_names
        cells = ", ".join(f"{_identifier(n)} varchar" for n in names)
        self.con.execute(f"create table {source.name}_text ({cells}, _file varchar, _line bigint)")
        files = source.files(self.sources_dir)
        if not files:
            self.problems.append(Problem(f"{self.sources_dir.name}/{source.pattern}", 0, "no such file"))
        if plan is not None:
            files = [p for p in files if plan.reads(source, p)]
        columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
        trimmed = ", ".join(f"nullif(trim({_identifier(n)}), '') as {_identifier(n)}" for n in names)
        for path in files:
            rel = self.rel(path)
            if not self._header_ok(source, path, rel):
                continue
            self.con.execute("create or replace temp table scan as select * from read_csv($path, header = true, "
                             f"auto_detect = false, columns = {columns}, quote = '\"', escape = '\"', delim = ',', "
                             "strict_mode = true, store_rejects = true, rejects_table = 'rejects', "
                             "rejects_scan = 'reject_scans')", {"path": str(path)})
            rejects = self.con.execute(
                "select line, min(error_type), min(error_message), min(csv_line) from rejects "
                "group by line order by line").fetchall()
            self.con.execute("delete from rejects")
            for line, error_type, message, raw in rejects:
                if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
                    found = len(next(csv.reader([raw]), []))
                    reason = f"expected {len(names)} columns, found {found}"
                else:
                    reason = f"unreadable CSV: {message}"
                self.problems.append(Problem(rel, int(line), reason))
            # A rejected line shifts every later row by one: row i (0-based, in file order) sits on line
            # i + 2 plus the rejected lines that come before it.
            positions = [line - 2 - j for j, (line, *_rest) in enumerate(rejects)]
            shift = "(select count(*) from shifts where position <= scan.rowid)" if positions else "0"
            self.con.execute("create or replace temp table shifts as select unnest($p::bigint[]) as position",
                             {"p": positions})
            self.con.execute(f"insert into {source.name}_text select {trimmed}, $file, rowid + 2 + {shift} "
                             "from scan", {"file": rel})
        blank = " and ".join(f"{_identifier(n)} is null" for n in names)
        self.con.execute(f"delete from {source.name}_text where {blank}")
        self.con.execute(f"create table {source.name} as select {_typed(source)}, _file, _line "
                         f"from {source.name}_text")

    def keep(self, source: Source, plan: RunPlan) -> None:
        """View `<source>_kept`: the rows this run keeps from the warehouse it starts from (none in a full run)."""
        columns = ", ".join(_identifier(n) for n in source.column_names)
        if plan.incremental and source.per_document:
            self.con.execute("create temp table if not exists rebuilt_documents as "
                             "select unnest($docs::varchar[]) as document_id", {"docs": sorted(plan.documents)})
            self.con.execute(f"create temp view {source.name}_kept as select {columns}, _source_file as _file "
                             f"from {self.baseline}.raw.{source.name} "
                             "where document_id not in (select document_id from rebuilt_documents)")
        else:
            self.con.execute(f"create temp view {source.name}_kept as select {columns}, _file "
                             f"from {source.name} where false")

    def check_cells(self, source: Source) -> None:
        table = f"{source.name}_text"
        for column in source.columns:
            c = _identifier(column.name)
            if column.required:
                self.report(f"select _file, _line, '{column.name} is required' from {table} where {c} is null")
            if column.kind != "str":
                self.report(f"select t._file, t._line, '{column.name}=' || q(t.{c}) || ' is not a valid "
                            f"{column.kind}' from {table} as t join {source.name} as v using (_file, _line) "
                            f"where t.{c} is not null and v.{c} is null")
            if column.allowed:
                self.report(f"select _file, _line, '{column.name}=' || q({c}) || ' is not one of "
                            f"{', '.join(column.allowed)}' from {table} "
                            f"where {c} is not null and {c} not in (select unnest(?::varchar[]))",
                            [list(column.allowed)])
        if source.per_document:
            self.report(f"select _file, _line, 'document_id=' || q(document_id) || ' in the file of document '"
                        f" || q(parse_filename(_file, true)) from {table} "
                        "where document_id is not null and document_id <> parse_filename(_file, true)")

    # -- relations between rows ----------------------------------------------------------------------------

    def check_keys(self, source: Source) -> None:
        key = ", ".join(_identifier(k) for k in source.key)
        shown = " || '/' || ".join(f"cast({_identifier(k)} as varchar)" for k in source.key)
        present = " and ".join(f"{_identifier(k)} is not null" for k in source.key)
        self.report(f"""
            select _file, _line, 'duplicate {'/'.join(source.key)} ' || {shown} || ' (first at '
                || first_value(_file) over w || ':' || first_value(_line) over w || ')'
            from {source.name}
            where {present}
            window w as (partition by {key} order by _file, _line)
            qualify row_number() over w > 1""")
        kept_shown = " || '/' || ".join(f"cast(n.{_identifier(k)} as varchar)" for k in source.key)
        self.report(f"""
            select n._file, n._line, 'duplicate {'/'.join(source.key)} ' || {kept_shown}
                || ' (also in ' || k._file || ')'
            from {source.name} as n join {source.name}_kept as k using ({key})""")

    def check_references(self, source: Source) -> None:
        for column, target in source.references.items():
            target_source, target_column = target.split(".")
            self.report(f"""
                select _file, _line, 'unknown {column} ' || q({_identifier(column)}) || ' (not in
                    {SOURCES_BY_NAME[target_source].pattern})'
                from {source.name} as s
                where {_identifier(column)} is not null
                  and not exists (select 1 from {target_source} as t
                                  where t.{_identifier(target_column)} = s.{_identifier(column)})
                  and not exists (select 1 from {target_source}_kept as k
                                  where k.{_identifier(target_column)} = s.{_identifier(column)})""".replace("\n", " "))
        if "entity_type" in source.column_names:
            self.report(f"""
                select _file, _line, 'unknown ' || entity_type || ' entity ' || q(entity_id) || ' (not in '
                    || case entity_type when 'geography' then 'geography.csv' else 'firms.csv' end || ')'
                from {source.name}
                where entity_id is not null and (
                    (entity_type = 'geography' and entity_id not in (select geo_id from geography
                                                                     where geo_id is not null))
                    or (entity_type = 'firm' and entity_id not in (select firm_id from firms
                                                                   where firm_id is not null)))""")

    def check_literals(self) -> None:
        """Parse each distinct literal once; compare every figure's curated columns with its reading."""
        self.con.execute("create table literals as select distinct stated_text, unit_as_printed, unit_interpreted "
                         "from figures where stated_text is not null and value is not null")
        read_literals(self.con, "literals")
        disagree = " union all ".join(
            f"select _file, _line, figure_id || ': {column}=' || coalesce({column}_text, 'None') "
            f"|| ' disagrees with the literal ' || q(stated_text) || ' (reads ' "
            f"|| coalesce({reading}, 'None') || ')' from parsed where {column} is distinct from r_{column}"
            for column, reading in (("value", "rtrim(rtrim(cast(r_value as varchar), '0'), '.')"),
                                    ("value_high", "rtrim(rtrim(cast(r_value_high as varchar), '0'), '.')"),
                                    ("decimals", "cast(r_decimals as varchar)"),
                                    ("scale", "cast(r_scale as varchar)"), ("currency", "r_currency")))
        self.report(f"""
            with read as (
                select f.*, r.error as r_error, t.value as value_text, t.value_high as value_high_text, t.decimals as decimals_text,
                       t.scale as scale_text, t.currency as currency_text,
                       r.value as r_value, r.value_high as r_value_high, r.decimals as r_decimals,
                       r.scale as r_scale, r.currency as r_currency, r.unit as r_unit, r.comparator as r_comparator
                from figures as f
                join figures_text as t using (_file, _line)
                join readings as r
                    on r.stated_text = f.stated_text
                    and r.unit_as_printed is not distinct from f.unit_as_printed
                    and r.unit_interpreted is not distinct from f.unit_interpreted
            ),
            parsed as (select * from read where r_error is null)
            select _file, _line, figure_id || ': unparseable literal: ' || r_error from read where r_error is not null
            union all
            {disagree}
            union all
            select _file, _line, figure_id || ': unit_interpreted needs an interpretation_note saying why'
            from parsed where unit_interpreted is not null and interpretation_note is null
            union all
            select _file, _line, figure_id || ': unit=' || q(unit) || ' disagrees with the literal '
                || q(stated_text) || ' (reads ' || r_unit || ')'
            from parsed where r_unit is not null and unit is distinct from r_unit
            union all
            select _file, _line, figure_id || ': comparator=' || q(comparator) || ' disagrees with the literal '
                || q(stated_text) || ' (reads ' || r_comparator || '); a qualifier outside the literal needs '
                || 'an interpretation_note'
            from parsed
            where comparator is distinct from r_comparator
              and not (r_comparator = 'eq' and interpretation_note is not null)""")

    def check_figures(self) -> None:
        checks = " union all ".join(
            f"select _file, _line, figure_id || ': ' || ({reason}) from dated where {condition}"
            for condition, reason in _FIGURE_CHECKS)
        self.report(f"""
            with dated as (
                select f.*, t.value_text,
                       case when f.period_kind = 'span' then f.end_year else f.year end as ref_year,
                       d.year as document_year, i.unit_kind, i.unit as indicator_unit,
                       own.units_per_usd as own_rate, cny.units_per_usd as cny_rate
                from figures as f
                join (select _file, _line, value as value_text from figures_text) as t using (_file, _line)
                left join (select distinct on (document_id) * from documents) as d using (document_id)
                left join (select distinct on (indicator_code) * from indicators) as i using (indicator_code)
                left join fx_rates as own
                    on own.series = 'wdi' and own.currency = f.currency
                    and own.year = case when f.period_kind = 'span' then f.end_year else f.year end
                left join fx_rates as cny
                    on cny.series = 'wdi' and cny.currency = 'CNY'
                    and cny.year = case when f.period_kind = 'span' then f.end_year else f.year end
            )
            {checks}""")

    def check_claims_and_mentions(self) -> None:
        # A claim is a statement of one document about figures that document prints, and a mention is a printing
        # of a figure in its own document: so each document's facts can be rebuilt on their own.
        self.con.execute("create temp view all_figures as select figure_id, document_id from figures "
                         "union all select figure_id, document_id from figures_kept")
        self.report("""
            select c._file, c._line, c.claim_id || ': stated figure ' || q(c.stated_figure_id)
                || ' belongs to another document'
            from claims as c join all_figures as f on f.figure_id = c.stated_figure_id
            where f.document_id <> c.document_id""")
        self.report("""
            with named as (
                select _file, _line, claim_id, document_id,
                       trim(unnest(string_split(replace(input_figure_ids, '+', ';'), ';'))) as figure_id
                from claims
            )
            select n._file, n._line, n.claim_id || ': claim names figure ' || q(n.figure_id)
                || case when f.figure_id is null then ', which does not exist'
                        else ' of document ' || q(f.document_id) || ', not of the claim''s document' end
            from named as n left join all_figures as f using (figure_id)
            where n.figure_id <> '' and (f.figure_id is null or f.document_id <> n.document_id)""")
        self.report("""
            select m._file, m._line, 'mention of ' || q(m.figure_id)
                || ' in a document the figure does not belong to'
            from mentions as m join all_figures as f on f.figure_id = m.figure_id
            where f.document_id <> m.document_id""")
        self.report("""
            select _file, _line, figure_id || ': figure has no mention'
            from figures
            where figure_id is not null
              and figure_id not in (select figure_id from mentions where figure_id is not null)""")

    def check_documents(self, documents_dir: Path) -> None:
        texts: dict[str, str] = {}
        rows = self.con.execute("select _file, _line, document_id, file_name, sha256 from documents "
                                "where file_name is not null").fetchall()
        for file, line, document_id, file_name, expected in rows:
            path = documents_dir / file_name
            if not path.is_file():
                self.problems.append(Problem(file, line, f"document text {path} not found in DOCUMENTS_DIR"))
                continue
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest != expected:
                self.problems.append(Problem(file, line, f"sha256 of {path.name} is {digest}, not {expected}: "
                                             "the text changed"))
            texts[document_id] = data.decode("utf-8")
        for table in ("figures", "events"):
            literals = self.con.execute(f"select distinct document_id, stated_text from {table} "
                                        "where stated_text is not null").fetchall()
            missing = [(doc, text) for doc, text in literals if doc in texts and text not in texts[doc]]
            self.report(f"""
                select t._file, t._line, 'stated_text ' || q(t.stated_text) || ' does not occur in document '
                    || q(t.document_id)
                from {table} as t join (select unnest($doc::varchar[]) as document_id, unnest($text::varchar[]) as stated_text) as m
                    using (document_id, stated_text)""",
                        {"doc": [d for d, _ in missing], "text": [t for _, t in missing]})


# A table cell ("20.07", "26.90%"): the parser reads its number as printed and everything else from the suffix and
# the unit labels, so SQL takes the number and Python reads "1" + suffix once per label.
_PLAIN_CELL = "[0-9]+([.][0-9]+)?%?"
_READING = ("error", "value", "value_high", "decimals", "scale", "currency", "unit", "comparator")


def _reading(stated_text: str, unit_as_printed: str | None, unit_interpreted: str | None) -> tuple:
    """One literal as the parser reads it: (error, value, value_high, decimals, scale, currency, unit,
    comparator); the unit as interpreted, when given, replaces the printed one's scale, currency and unit."""
    try:
        q = parse_literal(stated_text, unit_as_printed or "")
        scale, currency, unit = parse_unit_label(unit_interpreted) if unit_interpreted else (
            q.scale, q.currency, q.unit)
    except LiteralParseError as exc:
        return (str(exc), None, None, None, None, None, None, None)
    return (None, str(q.value), None if q.value_high is None else str(q.value_high), q.decimals, scale, currency,
            unit, q.comparator)


def _parsed_table(con, name: str, rows: list[tuple]) -> None:
    """rows of (stated_text, unit_as_printed, unit_interpreted) with their readings, as a DuckDB table; handed
    over column by column, one statement rather than one insert per literal."""
    names = ("stated_text", "unit_as_printed", "unit_interpreted", *_READING)
    read = list(zip(*[(*row, *_reading(*row)) for row in rows])) or [()] * len(names)
    con.execute(f"create or replace temp table {name} as select " + ", ".join(
        f"unnest(${n}::{'integer' if n in ('decimals', 'scale') else 'varchar'}[]) as {n}" for n in names),
        dict(zip(names, map(list, read))))


def read_literals(con, literals: str) -> None:
    """Create table `readings`: every row of table `literals` (stated_text, unit_as_printed, unit_interpreted)
    with the parser's reading of it."""
    plain = f"regexp_full_match(stated_text, '{_PLAIN_CELL}') and stated_text not in ('1', '1%')"
    templates = con.execute(f"select distinct case when ends_with(stated_text, '%') then '1%' else '1' end, "
                            f"unit_as_printed, unit_interpreted from {literals} where {plain}").fetchall()
    _parsed_table(con, "templates", templates)
    others = con.execute(f"select stated_text, unit_as_printed, unit_interpreted from {literals} "
                         f"where not ({plain})").fetchall()
    _parsed_table(con, "others", others)
    con.execute(f"""
        create or replace table readings as
        select l.stated_text, l.unit_as_printed, l.unit_interpreted, t.error,
               case when t.error is null then regexp_extract(l.stated_text, '^[0-9.]+') end as value,
               null::varchar as value_high,
               case when t.error is null then length(regexp_extract(l.stated_text, '[.]([0-9]+)', 1)) end
                   as decimals,
               t.scale, t.currency, t.unit, t.comparator
        from {literals} as l
        join templates as t
            on t.stated_text = case when ends_with(l.stated_text, '%') then '1%' else '1' end
            and t.unit_as_printed is not distinct from l.unit_as_printed
            and t.unit_interpreted is not distinct from l.unit_interpreted
        where {plain.replace('stated_text', 'l.stated_text')}
        union all
        select * from others""")
    con.execute("alter table readings alter value type decimal(38, 10)")
    con.execute("alter table readings alter value_high type decimal(38, 10)")


def validate_run(sources_dir: Path, documents_dir: Path | None = None,
                 baseline: Path | None = None) -> tuple[RunPlan, dict[str, int]]:
    """Decide what this run reads (changes.plan_run against the warehouse `baseline` it starts from, if any),
    read and check it; return the plan and the row count of each source read, or raise SourceValidationError
    listing every problem found."""
    checker = _Checker(sources_dir, baseline)
    try:
        catalogues = [s for s in SOURCES if not s.per_document]
        for source in catalogues:
            checker.read(source)
        plan = plan_run(checker.con, source_files(sources_dir), checker.baseline)
        for source in SOURCES:
            if source.per_document:
                checker.read(source, plan)
            checker.keep(source, plan)
        for source in SOURCES:
            checker.check_cells(source)
            checker.check_keys(source)
            checker.check_references(source)
        checker.check_literals()
        checker.check_figures()
        checker.check_claims_and_mentions()
        if documents_dir is not None:
            checker.check_documents(documents_dir)
        counts = {s.name: checker.con.execute(f"select count(*) from {s.name}").fetchone()[0] for s in SOURCES}
    finally:
        checker.con.close()
    if checker.problems:
        raise SourceValidationError(checker.problems)
    return plan, counts


def validate_sources(sources_dir: Path, documents_dir: Path | None = None) -> dict[str, int]:
    """Check every source file on its own, as a first build would; return the row count of each."""
    return validate_run(sources_dir, documents_dir)[1]
