-- Every calendar year from the earliest dated fact to the latest exchange rate, with the rates of that year.
with bounds as (
    select
        least(
            (select min(coalesce(start_year, printed_year)) from {{ ref('stg_figures') }}),
            (select min(year) from {{ ref('stg_events') }}),
            (select min(year) from {{ ref('int_fx_rates_annual') }})
        ) as first_year,
        greatest(
            (select max(coalesce(end_year, printed_year)) from {{ ref('stg_figures') }}),
            (select max(coalesce(year_high, year)) from {{ ref('stg_events') }}),
            (select max(year) from {{ ref('int_fx_rates_annual') }})
        ) as last_year
),

-- range() yields BIGINT; a year is an INTEGER everywhere else
years as (
    select cast(unnest(range(first_year, last_year + 1)) as integer) as year from bounds
)

select
    years.year,
    (years.year // 10) * 10 as decade,
    rates.cny_per_usd,
    rates.jpy_per_usd,
    rates.cny_per_usd_fred,
    rates.jpy_per_usd_fred
from years
left join {{ ref('int_fx_rates_annual') }} as rates on rates.year = years.year
