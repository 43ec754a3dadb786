"""Validate every source file before anything is written: all problems at once, each with file, line and reason.

The rows are read by DuckDB's own CSV reader into a private in-memory database and checked there in SQL, so the
cost stays close to what DuckDB itself needs at any size, and memory stays bounded (DuckDB spills). Only what
SQL cannot do passes through Python: each distinct printed literal is parsed once, the few rows that fail are
formatted into messages, a file that is not one row per line is read once more for its line numbers
(records.py), and the document texts are hashed and searched. At most MAX_LISTED problems are listed per file,
the rest counted; a file with unreadable rows does not also make the rows that refer to it fail.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import duckdb

from .changes import RunPlan, plan_run, source_files
from .literals import MAX_SCALE, LiteralParseError, parse_literal, parse_unit_label
from .load import connect
from .reading import blank, identifier as _identifier, read_csv, text_cells, typed, typed_cells
from .records import MAX_LISTED, line_count, scan
from .source_files import CURRENT_YEAR, ID_PATTERN, SOURCES, SOURCES_BY_NAME, Source
from .texts import TextReadings, read_texts

# the warehouse keeps values as DECIMAL(38,10), in base units after dbt's to_base_units: 28 integer digits
_DECIMAL_DIGITS = 28
# an exchange rate the figure checks look for is missing only if fx_rates.csv was read whole
_RATES_READ = "not exists (select 1 from incomplete where source = 'fx_rates')"

# Checks on the figures, each a SQL condition on a row of `figures` joined to its document, indicator and the
# parsed literal, with the reason it gives. Columns are the typed values; `*_text` the cells as printed.
_FIGURE_CHECKS: list[tuple[str, str]] = [
    ("period_kind in ('year', 'as_of') and year is null", "'period_kind ' || period_kind || ' needs year'"),
    ("period_kind = 'as_of' and as_of_date is null", "'period_kind as_of needs as_of_date'"),
    ("period_kind = 'span' and start_year is null", "'period_kind span needs start_year'"),
    ("period_kind = 'span' and end_year is null", "'period_kind span needs end_year'"),
    ("period_kind = 'span' and start_year > end_year",
     "'span ' || start_year || '-' || end_year || ' runs backwards'"),
    *((f"{year} > coalesce(document_year, {CURRENT_YEAR})",
       f"'{column} ' || {column} || ' is after ' || coalesce('the document''s publication (' || document_year "
       f"|| ')', '{CURRENT_YEAR}, the current year (the document prints no year)')")
      for column, year in (("year", "year"), ("start_year", "start_year"), ("end_year", "end_year"),
                           ("as_of_date", "year(as_of_date)"))),
    (f"scale between 0 and {MAX_SCALE} and greatest(abs(value), coalesce(abs(value_high), 0)) * pow(10, scale) "
     f">= 1e{_DECIMAL_DIGITS}",
     f"'value ' || value_text || ' times 10^' || scale || ' has more than {_DECIMAL_DIGITS} digits before the "
     "decimal point, more than the warehouse''s DECIMAL(38,10) holds'"),
    ("unit_kind in ('count', 'currency', 'area', 'rank') and value < 0",
     "'negative ' || unit_kind || ' ' || value_text"),
    ("unit_kind = 'currency' and currency is null",
     "'indicator ' || q(indicator_code) || ' measures money but the figure has no currency'"),
    # one rule for both: a measure with a unit of its own (percent for a growth rate, times for a multiple)
    # replaces the indicator's; a level keeps the indicator's, except money, whose currency the figure says
    ("expected_unit is not null and expected_unit <> unit",
     "'unit ' || q(unit) || ' is not the unit of ' || unit_owner || ' (' || q(expected_unit) || ')'"),
    # the marts convert money with the year's rate; a draft never reaches them, so its period may still be open
    ("currency is not null and ref_year is null and review_status = 'reviewed'",
     "'monetary figure without a year cannot be converted'"),
    (f"currency is not null and ref_year is not null and currency <> 'USD' and own_rate is null and {_RATES_READ} "
     "and review_status = 'reviewed'",
     "'monetary figure in ' || currency || ': no ' || currency || ' per US$ rate for ' || ref_year "
     "|| ' in fx_rates.csv (series wdi)'"),
    (f"currency is not null and ref_year is not null and currency <> 'CNY' and cny_rate is null and {_RATES_READ} "
     "and review_status = 'reviewed'",
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


def _text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _listed(problems: list[Problem], unlisted: Counter) -> list[Problem]:
    """The first MAX_LISTED problems of each file, by line, and one more saying how many were left out."""
    kept = []
    for file, found in groupby(sorted(problems), key=lambda p: p.file):
        found = list(found)
        kept += found[:MAX_LISTED]
        more = len(found) - MAX_LISTED + unlisted[file]
        if more > 0:
            kept.append(Problem(file, found[MAX_LISTED].line,
                                f"{more} more problem(s) from this line on are not listed"))
    return kept


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
        # the files read with rows left unread (document_id null: a catalogue, or every file of the source)
        self.con.execute("create table incomplete (source varchar, document_id varchar)")
        self.problems: list[Problem] = []
        self.unlisted: Counter = Counter()  # problems found but not kept, per file

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.sources_dir.parent))
        except ValueError:
            return str(path)

    def report(self, sql: str, params: list | dict | None = None) -> None:
        """Add one problem per row of a query returning (file, line, reason); of each file's, only the first
        MAX_LISTED + 1 by line are fetched and the rest counted."""
        for file, line, reason, n, found in self.con.execute(f"""
                select * from (
                    select file, line, reason,
                           row_number() over (partition by file order by line, reason) as n,
                           count(*) over (partition by file) as found
                    from ({sql}) as p(file, line, reason))
                where n <= {MAX_LISTED + 1}""", params or []).fetchall():
            self.problems.append(Problem(file, int(line), reason))
            if n == 1:
                self.unlisted[file] += max(0, found - (MAX_LISTED + 1))

    def incomplete(self, source: Source, document: str | None) -> None:
        self.con.execute("insert into incomplete values ($source, $document)",
                         {"source": source.name, "document": document})

    @staticmethod
    def read_whole(target: str, document: str | None = None) -> str:
        """SQL: every row of `target` (of the document `document`, a SQL expression, names) was read, so a row
        that refers to one that is not there is wrong, not a knock-on of an unreadable row."""
        of_document = f" and (i.document_id is null or i.document_id = {document})" if document else ""
        return f"not exists (select 1 from incomplete as i where i.source = '{target}'{of_document})"

    # -- reading -------------------------------------------------------------------------------------------

    def _header_ok(self, source: Source, path: Path, rel: str) -> bool:
        with path.open("rb") as handle:
            first = handle.readline()
        try:
            header = next(csv.reader([first.decode("utf-8")], strict=True), [])
        except UnicodeDecodeError as exc:
            self.problems.append(Problem(rel, 1, f"not UTF-8: byte 0x{first[exc.start]:02x} at position "
                                         f"{exc.start + 1} of the line"))
            return False
        except csv.Error as exc:
            self.problems.append(Problem(rel, 1, f"unreadable CSV header: {exc}"))
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

    def _lines(self, source: Source, path: Path, rel: str, document: str | None, rows: int | None,
               error: str = "") -> str | None:
        """SQL `<line of each row> from <table numbered, with what it needs>`, or None when the `rows` rows DuckDB
        read (None: it stopped with `error`) cannot be placed on their lines; reports the records that are not
        well-formed."""
        if rows is not None and line_count(path) == rows + 1:
            return "_row + 2 from numbered"
        records = scan(path, len(source.columns))
        self.problems += [Problem(rel, line, reason) for line, reason in records.problems]
        self.unlisted[rel] += records.malformed - len(records.problems)
        if records.malformed or records.well_formed != rows:
            self.incomplete(source, document)
        if records.well_formed != rows:
            if not records.malformed:
                self.problems.append(Problem(rel, 0, f"unreadable CSV: {error}" if rows is None else
                                             f"DuckDB's CSV reader reads {rows} rows, but the file holds "
                                             f"{records.well_formed} well-formed records"))
            return None
        positions, lines = records.starts
        self.con.execute("create or replace temp table starts as "
                         "select unnest($positions::bigint[]) as _position, unnest($lines::bigint[]) as _start",
                         {"positions": list(positions), "lines": list(lines)})
        return "coalesce(_start + _row - _position, _row + 2) from numbered asof left join starts on _row >= _position"

    def read(self, source: Source, plan: RunPlan | None = None) -> None:
        """Load the files of a source this run reads as cells with their file and line, reporting malformed
        rows; a file with rows left unread is recorded in table `incomplete`."""
        cells = ", ".join(f"{_identifier(n)} varchar" for n in source.column_names)
        self.con.execute(f"create table {source.name}_text ({cells}, _file varchar, _line bigint)")
        files = source.files(self.sources_dir)
        if not files and not source.optional:
            self.problems.append(Problem(f"{self.sources_dir.name}/{source.pattern}", 0, "no such file"))
            self.incomplete(source, None)
        if plan is not None:
            files = [p for p in files if plan.reads(source, p)]
        for path in files:
            rel = self.rel(path)
            document = path.stem if source.per_document else None
            if not self._header_ok(source, path, rel):
                self.incomplete(source, document)
                continue
            try:
                # a table's rowid is its insertion order: the order of the rows in the file
                self.con.execute("create or replace temp table scan as select * from "
                                 f"{read_csv(source, '$path', 'ignore_errors = true')}", {"path": str(path)})
                self.con.execute("create or replace temp view numbered as select *, rowid as _row from scan")
                rows, error = self.con.execute("select count(*) from scan").fetchone()[0], ""
            except duckdb.Error as exc:  # a file it cannot read at all, such as one with mixed line endings
                rows, error = None, str(exc).splitlines()[0]
            lines = self._lines(source, path, rel, document, rows, error)
            if lines is not None:
                self.con.execute(f"insert into {source.name}_text select {text_cells(source)}, $file, {lines}",
                                 {"file": rel})
        self.con.execute(f"delete from {source.name}_text where {blank(source)}")
        self.con.execute(f"create table {source.name} as select {typed_cells(source)}, _file, _line "
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
        """Each cell on its own: required, of its type, one of the allowed values, meeting its column's rules;
        then each row's cells together, by its source's row rules."""
        checks = []
        for column in source.columns:
            c = _identifier(column.name)
            if column.required:
                # a draft's suggestion may be missing until a person reviews the row
                draft = " and review_status is distinct from 'draft'" if column.suggested else ""
                checks.append(f"select _file, _line, '{column.name} is required' from {source.name}_text "
                              f"where {c} is null{draft}")
            if column.kind != "str":
                checks.append(f"select _file, _line, '{column.name}=' || q({c}) || ' is not a valid {column.kind}' "
                              f"from {source.name}_text where {c} is not null and {typed(column, c)} is null")
            if column.allowed:
                checks.append(f"select _file, _line, '{column.name}=' || q({c}) || ' is not one of "
                              f"{', '.join(column.allowed)}' from {source.name}_text where {c} is not null "
                              f"and {c} not in ({', '.join(map(_text, column.allowed))})")
            shown = f"rtrim(rtrim(cast({c} as varchar), '0'), '.')" if column.kind == "decimal" else \
                f"cast({c} as varchar)"
            for rule in column.rules:
                before, _, after = rule.problem.partition("{value}")
                checks.append(f"select _file, _line, {_text(before)} || {shown} || {_text(after)} "
                              f"from {source.name} where {c} is not null and not ({rule.holds.replace('{c}', c)})")
        for rule in source.row_rules:
            checks.append(f"select _file, _line, {rule.problem} from {source.name} where not ({rule.holds})")
        if source.per_document:
            checks.append(f"select _file, _line, 'document_id=' || q(document_id) || ' in the file of document ' "
                          f"|| q(parse_filename(_file, true)) from {source.name}_text "
                          "where document_id is not null and document_id <> parse_filename(_file, true)")
        self.report(" union all ".join(checks))

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
            both_per_document = source.per_document and SOURCES_BY_NAME[target_source].per_document
            self.report(f"""
                select _file, _line, 'unknown {column} ' || q({_identifier(column)})
                    || ' (not in {SOURCES_BY_NAME[target_source].pattern})'
                from {source.name} as s
                where {_identifier(column)} is not null
                  and not exists (select 1 from {target_source} as t
                                  where t.{_identifier(target_column)} = s.{_identifier(column)})
                  and not exists (select 1 from {target_source}_kept as k
                                  where k.{_identifier(target_column)} = s.{_identifier(column)})
                  and {self.read_whole(target_source, 's.document_id' if both_per_document else None)}""")
        if "entity_type" in source.column_names:
            self.report(f"""
                select _file, _line, 'unknown ' || entity_type || ' entity ' || q(entity_id) || ' (not in '
                    || case entity_type when 'geography' then 'geography.csv' else 'firms.csv' end || ')'
                from {source.name}
                where entity_id is not null and (
                    (entity_type = 'geography' and entity_id not in (select geo_id from geography
                                                                     where geo_id is not null)
                     and {self.read_whole('geography')})
                    or (entity_type = 'firm' and entity_id not in (select firm_id from firms
                                                                   where firm_id is not null)
                        and {self.read_whole('firms')}))""")

    def check_reference_origins(self) -> None:
        """Every exchange-rate series says where it comes from: reported once, at the series' first line."""
        self.report(f"""
            select _file, min(_line), 'series ' || q(series) || ' has no origin in reference_origins.csv '
                || '(a row with dataset fx_rates and series ' || q(series) || ')'
            from fx_rates
            where series is not null
              and series not in (select series from reference_origins
                                 where dataset = 'fx_rates' and series is not null)
              and {self.read_whole('reference_origins')}
            group by _file, series""")

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
                       d.year as document_year,
                       -- what the figure's value is: the measure's kind (growth, share, ...) or the indicator's
                       coalesce(m.unit_kind, i.unit_kind) as unit_kind,
                       case when m.unit is not null then m.unit
                            when i.unit_kind <> 'currency' then i.unit end as expected_unit,
                       case when m.unit is not null then 'measure ' || q(f.measure)
                            else 'indicator ' || q(f.indicator_code) end as unit_owner,
                       own.units_per_usd as own_rate, cny.units_per_usd as cny_rate
                from figures as f
                join (select _file, _line, value as value_text from figures_text) as t using (_file, _line)
                left join (select distinct on (document_id) * from documents) as d using (document_id)
                left join (select distinct on (indicator_code) * from indicators) as i using (indicator_code)
                left join (select distinct on (measure) * from measures) as m using (measure)
                left join fx_rates as own
                    on own.series = 'wdi' and own.currency = f.currency
                    and own.year = case when f.period_kind = 'span' then f.end_year else f.year end
                left join fx_rates as cny
                    on cny.series = 'wdi' and cny.currency = 'CNY'
                    and cny.year = case when f.period_kind = 'span' then f.end_year else f.year end
            )
            {checks}""")

    def check_events_and_aliases(self) -> None:
        for column in ("year", "year_high"):
            self.report(f"""
                select e._file, e._line, e.event_id || ': {column} ' || e.{column} || ' is after '
                    || coalesce('the document''s publication (' || d.year || ')',
                                '{CURRENT_YEAR}, the current year (the document prints no year)')
                from events as e left join (select distinct on (document_id) * from documents) as d
                    using (document_id)
                where e.{column} > coalesce(d.year, {CURRENT_YEAR})""")
        self.report("""
            select _file, _line, q(alias) || ': valid_from_year ' || valid_from_year || ' is after valid_to_year '
                || valid_to_year
            from firm_aliases where valid_from_year > valid_to_year""")

    def check_claims_and_mentions(self) -> None:
        # A claim is a statement of one document about figures that document prints, and a mention is a printing
        # of a figure in its own document: so each document's facts can be rebuilt on their own.
        self.con.execute("create temp view all_figures as select figure_id, document_id, review_status from figures "
                         "union all select figure_id, document_id, review_status from figures_kept")
        self.report("""
            select c._file, c._line, c.claim_id || ': stated figure ' || q(c.stated_figure_id)
                || ' belongs to another document'
            from claims as c join all_figures as f on f.figure_id = c.stated_figure_id
            where f.document_id <> c.document_id""")
        self.con.execute(f"""
            create temp view named as
            select distinct _file, _line, claim_id, document_id, claim_kind, stated_figure_id,
                   unnest(string_split(replace(input_figure_ids, '+', ';'), ';')) as figure_id
            from claims
            where regexp_full_match(input_figure_ids, '{ID_PATTERN}([;+]{ID_PATTERN})*')""")
        self.report(f"""
            select n._file, n._line, n.claim_id || ': claim names figure ' || q(n.figure_id)
                || case when f.figure_id is null then ', which does not exist'
                        else ' of document ' || q(f.document_id) || ', not of the claim''s document' end
            from named as n left join all_figures as f using (figure_id)
            where (f.figure_id is null and {self.read_whole('figures', 'n.document_id')})
               or f.document_id <> n.document_id""")
        # a draft figure never reaches the marts, so a claim on it could not be checked: review the figure first
        self.report("""
            select n._file, n._line, n.claim_id || ': claim names draft figure ' || q(n.figure_id)
                || ' (review it: fill its cells and set review_status to reviewed)'
            from (select _file, _line, claim_id, stated_figure_id as figure_id from claims
                  union select _file, _line, claim_id, figure_id from named) as n
            join all_figures as f using (figure_id)
            where f.review_status = 'draft'""")
        # a rank's inputs are the figures in order, the stated one among them; any other claim relates its
        # stated figure to others, and one naming itself holds whatever the document prints
        self.report("""
            select _file, _line, claim_id || ': the stated figure ' || q(stated_figure_id)
                || ' is also one of its inputs'
            from named where figure_id = stated_figure_id and claim_kind <> 'rank'""")
        self.report("""
            select m._file, m._line, 'mention of ' || q(m.figure_id)
                || ' in a document the figure does not belong to'
            from mentions as m join all_figures as f on f.figure_id = m.figure_id
            where f.document_id <> m.document_id""")
        self.report("""
            select m._file, m._line, m.mention_id || ': review_status ' || m.review_status || ' but its figure '
                || q(m.figure_id) || ' is ' || f.review_status || ' (a mention is reviewed with its figure)'
            from mentions as m join all_figures as f on f.figure_id = m.figure_id
            where m.review_status <> f.review_status""")
        self.report("""
            select _file, _line, mention_id || ': the same printing of ' || q(figure_id) || ' as mention '
                || q(first_value(mention_id) over w) || ' (line ' || first_value(_line) over w
                || '): same section, paragraph, table row and column, and occurrence'
            from mentions
            where figure_id is not null and mention_id is not null
            window w as (partition by figure_id, section, paragraph, table_row, table_column, occurrence
                         order by _file, _line)
            qualify row_number() over w > 1""")
        self.report(f"""
            select _file, _line, figure_id || ': figure has no mention'
            from figures
            where figure_id is not null
              and figure_id not in (select figure_id from mentions where figure_id is not null)
              and {self.read_whole('mentions', 'document_id')}""")

    def check_documents(self, documents_dir: Path, documents: frozenset[str]) -> dict[str, str]:
        """Check the texts of `documents` (those the run reads; a kept document's text was checked by the run
        that read it) and return them by document."""
        texts: dict[str, str] = {}
        rows = self.con.execute("select _file, _line, document_id, file_name, sha256 from documents "
                                "where file_name is not null and document_id in (select unnest($docs::varchar[]))",
                                {"docs": sorted(documents)}).fetchall()
        for file, line, document_id, file_name, expected in rows:
            path = documents_dir / file_name
            if not path.is_file():
                self.problems.append(Problem(file, line, f"document text {path} not found in DOCUMENTS_DIR"))
                continue
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            # a sha256 not written in lowercase hex is reported as such (source_files.py), not as a changed text
            if digest != expected and expected == expected.lower():
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
        return texts


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
    # a number too long for the warehouse reads as none, as the figure's own value cell does
    for column in ("value", "value_high"):
        con.execute(f"alter table readings alter {column} type decimal(38, 10) "
                    f"using try_cast({column} as decimal(38, 10))")


def validate_build(sources_dir: Path, documents_dir: Path | None = None,
                   baseline: Path | None = None) -> tuple[RunPlan, dict[str, int], TextReadings]:
    """Decide what this run reads (changes.plan_run against the warehouse `baseline` it starts from, if any),
    read and check it, and account for every number printed in the texts it reads; return the plan, the row
    count of each source read and the texts' accounting, or raise SourceValidationError listing every problem
    found."""
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
        checker.check_reference_origins()
        checker.check_literals()
        checker.check_figures()
        checker.check_events_and_aliases()
        checker.check_claims_and_mentions()
        texts = checker.check_documents(documents_dir, plan.documents) if documents_dir is not None else {}
        readings = read_texts(checker.con, plan.documents, texts, documents_dir)
        checker.problems += [Problem(*stale) for stale in readings.stale]
        counts = {s.name: checker.con.execute(f"select count(*) from {s.name}").fetchone()[0] for s in SOURCES}
    finally:
        checker.con.close()
    if checker.problems:
        raise SourceValidationError(_listed(checker.problems, checker.unlisted))
    return plan, counts, readings


def validate_run(sources_dir: Path, documents_dir: Path | None = None,
                 baseline: Path | None = None) -> tuple[RunPlan, dict[str, int]]:
    """validate_build without the texts' accounting: the plan and the row count of each source read."""
    return validate_build(sources_dir, documents_dir, baseline)[:2]


def validate_sources(sources_dir: Path, documents_dir: Path | None = None) -> dict[str, int]:
    """Check every source file on its own, as a first build would; return the row count of each."""
    return validate_run(sources_dir, documents_dir)[1]
