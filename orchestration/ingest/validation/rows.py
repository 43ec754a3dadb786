"""Checks on the rows of every source: each cell, each row, each key and each reference.

These are the rules every source declares in source_files.py (a cell's type, allowed values and rules; a row's
rules; its key; the columns that refer to another source's rows), checked in SQL over all the rows a run reads
and, for keys and references, the rows it keeps. A reference to a source read with rows left unread is not
reported: the row it refers to may be one of those.
"""

from __future__ import annotations

from ..reading import identifier, typed
from ..source_files import SOURCES_BY_NAME, Source
from .problems import Checker


def sql_text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def check_cells(checker: Checker, source: Source) -> None:
    """Each cell on its own: required, of its type, one of the allowed values, meeting its column's rules;
    then each row's cells together, by its source's row rules."""
    checks = []
    for column in source.columns:
        c = identifier(column.name)
        if column.required:
            # a draft's suggestion may be missing until a person reviews the row
            draft = " and review_status is distinct from 'draft'" if column.suggested else ""
            checks.append(
                f"select _file, _line, '{column.name} is required' from {source.name}_text where {c} is null{draft}"
            )
        if column.kind != "str":
            checks.append(
                f"select _file, _line, '{column.name}=' || q({c}) || ' is not a valid {column.kind}' "
                f"from {source.name}_text where {c} is not null and {typed(column, c)} is null"
            )
        if column.allowed:
            checks.append(
                f"select _file, _line, '{column.name}=' || q({c}) || ' is not one of "
                f"{', '.join(column.allowed)}' from {source.name}_text where {c} is not null "
                f"and {c} not in ({', '.join(map(sql_text, column.allowed))})"
            )
        shown = f"rtrim(rtrim(cast({c} as varchar), '0'), '.')" if column.kind == "decimal" else f"cast({c} as varchar)"
        for rule in column.rules:
            before, _, after = rule.problem.partition("{value}")
            checks.append(
                f"select _file, _line, {sql_text(before)} || {shown} || {sql_text(after)} "
                f"from {source.name} where {c} is not null and not ({rule.holds.replace('{c}', c)})"
            )
    for rule in source.row_rules:
        checks.append(f"select _file, _line, {rule.problem} from {source.name} where not ({rule.holds})")
    if source.per_document:
        checks.append(
            f"select _file, _line, 'document_id=' || q(document_id) || ' in the file of document ' "
            f"|| q(parse_filename(_file, true)) from {source.name}_text "
            "where document_id is not null and document_id <> parse_filename(_file, true)"
        )
    checker.report(" union all ".join(checks))


def check_keys(checker: Checker, source: Source) -> None:
    key = ", ".join(identifier(k) for k in source.key)
    shown = " || '/' || ".join(f"cast({identifier(k)} as varchar)" for k in source.key)
    present = " and ".join(f"{identifier(k)} is not null" for k in source.key)
    checker.report(f"""
        select _file, _line, 'duplicate {"/".join(source.key)} ' || {shown} || ' (first at '
            || first_value(_file) over w || ':' || first_value(_line) over w || ')'
        from {source.name}
        where {present}
        window w as (partition by {key} order by _file, _line)
        qualify row_number() over w > 1""")
    kept_shown = " || '/' || ".join(f"cast(n.{identifier(k)} as varchar)" for k in source.key)
    checker.report(f"""
        select n._file, n._line, 'duplicate {"/".join(source.key)} ' || {kept_shown}
            || ' (also in ' || k._file || ')'
        from {source.name} as n join {source.name}_kept as k using ({key})""")


def check_references(checker: Checker, source: Source) -> None:
    for column, target in source.references.items():
        target_source, target_column = target.split(".")
        both_per_document = source.per_document and SOURCES_BY_NAME[target_source].per_document
        checker.report(f"""
            select _file, _line, 'unknown {column} ' || q({identifier(column)})
                || ' (not in {SOURCES_BY_NAME[target_source].pattern})'
            from {source.name} as s
            where {identifier(column)} is not null
              and not exists (select 1 from {target_source} as t
                              where t.{identifier(target_column)} = s.{identifier(column)})
              and not exists (select 1 from {target_source}_kept as k
                              where k.{identifier(target_column)} = s.{identifier(column)})
              and {checker.read_whole(target_source, "s.document_id" if both_per_document else None)}""")
    if "entity_type" in source.column_names:
        checker.report(f"""
            select _file, _line, 'unknown ' || entity_type || ' entity ' || q(entity_id) || ' (not in '
                || case entity_type when 'geography' then 'geography.csv' else 'firms.csv' end || ')'
            from {source.name}
            where entity_id is not null and (
                (entity_type = 'geography' and entity_id not in (select geo_id from geography
                                                                 where geo_id is not null)
                 and {checker.read_whole("geography")})
                or (entity_type = 'firm' and entity_id not in (select firm_id from firms
                                                               where firm_id is not null)
                    and {checker.read_whole("firms")}))""")


def check_reference_origins(checker: Checker) -> None:
    """Every exchange-rate series says where it comes from: reported once, at the series' first line."""
    checker.report(f"""
        select _file, min(_line), 'series ' || q(series) || ' has no origin in reference_origins.csv '
            || '(a row with dataset fx_rates and series ' || q(series) || ')'
        from fx_rates
        where series is not null
          and series not in (select series from reference_origins
                             where dataset = 'fx_rates' and series is not null)
          and {checker.read_whole("reference_origins")}
        group by _file, series""")
