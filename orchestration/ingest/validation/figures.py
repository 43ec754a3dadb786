"""Checks on the figures: each against the literal it was read from, its period and its units.

A figure's value, decimals, scale, currency, unit and comparator are curated by hand from the literal the document
prints (stated_text); the parser (literals.py) reads the literal again, and a figure whose cells disagree with it is
reported, so a slip in curation cannot pass. Each distinct literal is parsed once, and a plain table cell once per
unit label: read_literals. Then each figure's period must fit its document's publication, its value must fit the
warehouse's DECIMAL(38,10), and its unit must be its measure's or indicator's; a monetary figure must have a
currency and, once reviewed, an exchange rate for its year, since the marts convert it.
"""

from __future__ import annotations

from ..literals import MAX_SCALE, LiteralParseError, parse_literal, parse_unit_label
from ..source_files import CURRENT_YEAR
from .problems import Checker

# A table cell ("20.07", "26.90%"): the parser reads its number as printed and everything else from the suffix and
# the unit labels, so SQL takes the number and Python reads "1" + suffix once per label.
_PLAIN_CELL = "[0-9]+([.][0-9]+)?%?"
_READING = ("error", "value", "value_high", "decimals", "scale", "currency", "unit", "comparator")


def _reading(stated_text: str, unit_as_printed: str | None, unit_interpreted: str | None) -> tuple:
    """One literal as the parser reads it: (error, value, value_high, decimals, scale, currency, unit,
    comparator); the unit as interpreted, when given, replaces the printed one's scale, currency and unit."""
    try:
        q = parse_literal(stated_text, unit_as_printed or "")
        scale, currency, unit = (
            parse_unit_label(unit_interpreted) if unit_interpreted else (q.scale, q.currency, q.unit)
        )
    except LiteralParseError as exc:
        return (str(exc), None, None, None, None, None, None, None)
    return (
        None,
        str(q.value),
        None if q.value_high is None else str(q.value_high),
        q.decimals,
        scale,
        currency,
        unit,
        q.comparator,
    )


def _parsed_table(con, name: str, rows: list[tuple]) -> None:
    """rows of (stated_text, unit_as_printed, unit_interpreted) with their readings, as a DuckDB table; handed
    over column by column, one statement rather than one insert per literal."""
    names = ("stated_text", "unit_as_printed", "unit_interpreted", *_READING)
    read = list(zip(*[(*row, *_reading(*row)) for row in rows], strict=True)) or [()] * len(names)
    con.execute(
        f"create or replace temp table {name} as select "
        + ", ".join(f"unnest(${n}::{'integer' if n in ('decimals', 'scale') else 'varchar'}[]) as {n}" for n in names),
        dict(zip(names, map(list, read), strict=True)),
    )


def read_literals(con, literals: str) -> None:
    """Create table `readings`: every row of table `literals` (stated_text, unit_as_printed, unit_interpreted)
    with the parser's reading of it."""
    plain = f"regexp_full_match(stated_text, '{_PLAIN_CELL}') and stated_text not in ('1', '1%')"
    templates = con.execute(
        f"select distinct case when ends_with(stated_text, '%') then '1%' else '1' end, "
        f"unit_as_printed, unit_interpreted from {literals} where {plain}"
    ).fetchall()
    _parsed_table(con, "templates", templates)
    others = con.execute(
        f"select stated_text, unit_as_printed, unit_interpreted from {literals} where not ({plain})"
    ).fetchall()
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
        where {plain.replace("stated_text", "l.stated_text")}
        union all
        select * from others""")
    # a number too long for the warehouse reads as none, as the figure's own value cell does
    for column in ("value", "value_high"):
        con.execute(
            f"alter table readings alter {column} type decimal(38, 10) using try_cast({column} as decimal(38, 10))"
        )


def check_literals(checker: Checker) -> None:
    """Parse each distinct literal once; compare every figure's curated columns with its reading."""
    checker.con.execute(
        "create table literals as select distinct stated_text, unit_as_printed, unit_interpreted "
        "from figures where stated_text is not null and value is not null"
    )
    read_literals(checker.con, "literals")
    disagree = " union all ".join(
        f"select _file, _line, figure_id || ': {column}=' || coalesce({column}_text, 'None') "
        f"|| ' disagrees with the literal ' || q(stated_text) || ' (reads ' "
        f"|| coalesce({reading}, 'None') || ')' from parsed where {column} is distinct from r_{column}"
        for column, reading in (
            ("value", "rtrim(rtrim(cast(r_value as varchar), '0'), '.')"),
            ("value_high", "rtrim(rtrim(cast(r_value_high as varchar), '0'), '.')"),
            ("decimals", "cast(r_decimals as varchar)"),
            ("scale", "cast(r_scale as varchar)"),
            ("currency", "r_currency"),
        )
    )
    checker.report(f"""
        with read as (
            select f.*, r.error as r_error,
                   t.value as value_text, t.value_high as value_high_text, t.decimals as decimals_text,
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


# the warehouse keeps values as DECIMAL(38,10), in base units after dbt's to_base_units: 28 integer digits
_DECIMAL_DIGITS = 28
# the last day of each half-year and quarter, as month-day
_PERIOD_ENDS = {"half": ("06-30", "12-31"), "quarter": ("03-31", "06-30", "09-30", "12-31")}
# an exchange rate the figure checks look for is missing only if fx_rates.csv was read whole
_RATES_READ = "not exists (select 1 from incomplete where source = 'fx_rates')"
# a missing rate names the series it is missing from and where that series' rates come from, so whoever adds a
# document with an earlier or later year knows what to look up and where to write it
_WHERE_RATES_COME_FROM = (
    "|| ' in series wdi' || coalesce(' (' || wdi_origin || ')', '') || ': add the year''s rate to sources/fx_rates.csv'"
)

# Checks on the figures, each a SQL condition on a row of `figures` joined to its document, indicator and the
# parsed literal, with the reason it gives. Columns are the typed values; `*_text` the cells as printed.
_FIGURE_CHECKS: list[tuple[str, str]] = [
    (
        "period_kind in ('year', 'as_of', 'half', 'quarter') and year is null",
        "'period_kind ' || period_kind || ' needs year'",
    ),
    (
        "period_kind in ('as_of', 'half', 'quarter') and as_of_date is null",
        "'period_kind ' || period_kind || ' needs as_of_date'",
    ),
    *(
        (
            f"period_kind = '{kind}' and year is not null and as_of_date is not null "
            f"and (year(as_of_date) <> year or strftime(as_of_date, '%m-%d') not in ({', '.join(map(repr, ends))}))",
            f"'period_kind {kind}: as_of_date ' || as_of_date || ' is not the last day of a {kind} of ' || year "
            f"|| ' (month-day {' or '.join(ends)})'",
        )
        for kind, ends in _PERIOD_ENDS.items()
    ),
    ("period_kind = 'span' and start_year is null", "'period_kind span needs start_year'"),
    ("period_kind = 'span' and end_year is null", "'period_kind span needs end_year'"),
    ("period_kind = 'span' and start_year > end_year", "'span ' || start_year || '-' || end_year || ' runs backwards'"),
    # a period after the document's publication is what the document expected, never what it saw
    *(
        (
            f"{year} > coalesce(document_year, {CURRENT_YEAR}) and obs_status is distinct from 'F'",
            f"'{column} ' || {column} || ' is after ' || coalesce('the document''s publication (' || document_year "
            f"|| ')', '{CURRENT_YEAR}, the current year (the document prints no year)') "
            "|| ': a target or forecast, recorded with obs_status F'",
        )
        for column, year in (
            ("year", "year"),
            ("start_year", "start_year"),
            ("end_year", "end_year"),
            ("as_of_date", "year(as_of_date)"),
        )
    ),
    (
        f"scale between 0 and {MAX_SCALE} and greatest(abs(value), coalesce(abs(value_high), 0)) * pow(10, scale) "
        f">= 1e{_DECIMAL_DIGITS}",
        f"'value ' || value_text || ' times 10^' || scale || ' has more than {_DECIMAL_DIGITS} digits before the "
        "decimal point, more than the warehouse''s DECIMAL(38,10) holds'",
    ),
    (
        "unit_kind in ('count', 'currency', 'area', 'rank') and value < 0",
        "'negative ' || unit_kind || ' ' || value_text",
    ),
    (
        "unit_kind = 'currency' and currency is null",
        "'indicator ' || q(indicator_code) || ' measures money but the figure has no currency'",
    ),
    # one rule for both: a measure with a unit of its own (percent for a growth rate, times for a multiple)
    # replaces the indicator's; a level keeps the indicator's, except money, whose currency the figure says
    (
        "expected_unit is not null and expected_unit <> unit",
        "'unit ' || q(unit) || ' is not the unit of ' || unit_owner || ' (' || q(expected_unit) || ')'",
    ),
    # the marts convert money with the year's rate; a draft never reaches them, so its period may still be open
    (
        "currency is not null and ref_year is null and review_status = 'reviewed'",
        "'monetary figure without a year cannot be converted'",
    ),
    (
        f"currency is not null and ref_year is not null and currency <> 'USD' and own_rate is null and {_RATES_READ} "
        "and review_status = 'reviewed'",
        "'monetary figure in ' || currency || ': no ' || currency || ' per US$ rate for ' || rate_year "
        f"{_WHERE_RATES_COME_FROM}",
    ),
    (
        f"currency is not null and ref_year is not null and currency <> 'CNY' and cny_rate is null and {_RATES_READ} "
        "and review_status = 'reviewed'",
        f"'monetary figure in ' || currency || ': no CNY per US$ rate for ' || rate_year {_WHERE_RATES_COME_FROM}",
    ),
]


def check_figures(checker: Checker) -> None:
    checks = " union all ".join(
        f"select _file, _line, figure_id || ': ' || ({reason}) from dated where {condition}"
        for condition, reason in _FIGURE_CHECKS
    )
    checker.report(f"""
        with periods as (
            select f.*, coalesce(d.year, year(d.published)) as document_year,
                   case when f.period_kind = 'span' then f.end_year else f.year end as ref_year
            from figures as f
            left join (select distinct on (document_id) * from documents) as d using (document_id)
        ),
        -- a target is converted at the rate of the year it was set in, its document's: the later year's rate
        -- was not known when the document wrote it, and may never be
        rated as (
            select *,
                   case when obs_status = 'F' and ref_year > document_year then document_year else ref_year end
                       as rate_year
            from periods
        ),
        dated as (
            select f.*, t.value_text,
                   -- what the figure's value is: the measure's kind (growth, share, ...) or the indicator's
                   coalesce(m.unit_kind, i.unit_kind) as unit_kind,
                   case when m.unit is not null then m.unit
                        when i.unit_kind <> 'currency' then i.unit end as expected_unit,
                   case when m.unit is not null then 'measure ' || q(f.measure)
                        else 'indicator ' || q(f.indicator_code) end as unit_owner,
                   own.units_per_usd as own_rate, cny.units_per_usd as cny_rate, origin.wdi_origin
            from rated as f
            join (select _file, _line, value as value_text from figures_text) as t using (_file, _line)
            left join (select distinct on (indicator_code) * from indicators) as i using (indicator_code)
            left join (select distinct on (measure) * from measures) as m using (measure)
            left join fx_rates as own on own.series = 'wdi' and own.currency = f.currency and own.year = f.rate_year
            left join fx_rates as cny on cny.series = 'wdi' and cny.currency = 'CNY' and cny.year = f.rate_year
            left join (
                select any_value(producer || ', ' || title || coalesce(', ' || url, '')) as wdi_origin
                from reference_origins where dataset = 'fx_rates' and series = 'wdi'
            ) as origin on true
        )
        {checks}""")
