-- Every period a figure refers to: a calendar year, a span of years, a date "as of" which it holds, a half-year
-- or a quarter (dated by its last day), or none printed. reference_year is the year the figure is converted and
-- compared at (a span's last year; a half-year's or quarter's own year).
select distinct
    {{ period_key('period_kind', 'printed_year', 'start_year', 'end_year', 'as_of_date') }} as period_key,
    case period_kind
        when 'year' then cast(printed_year as varchar)
        when 'span' then start_year || ' to ' || end_year
        when 'as_of' then 'as of ' || strftime(as_of_date, '%-d %B %Y')
        when 'half' then case when month(as_of_date) <= 6 then 'first' else 'second' end
            || ' half of ' || printed_year
        when 'quarter' then ['first', 'second', 'third', 'fourth'][quarter(as_of_date)]
            || ' quarter of ' || printed_year
        else 'unspecified'
    end as period_label,
    period_kind,
    {{ reference_year('period_kind', 'printed_year', 'end_year') }} as reference_year,
    start_year,
    end_year,
    as_of_date
from {{ ref('stg_figures') }}
