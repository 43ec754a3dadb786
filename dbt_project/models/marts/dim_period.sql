-- Every period a figure refers to: a calendar year, a span of years, a date "as of" which it holds, or none
-- printed. reference_year is the year the figure is converted and compared at (a span's last year).
select distinct
    {{ period_key('period_kind', 'year', 'start_year', 'end_year', 'as_of_date') }} as period_key,
    period_kind,
    {{ reference_year('period_kind', 'year', 'end_year') }} as reference_year,
    start_year,
    end_year,
    as_of_date
from {{ ref('stg_figures') }}
