{{ config(materialized='incremental', incremental_strategy='replace_documents') }}
-- Every figure with its scale applied (base units: yuan, US$, yen, persons, percent, ...) and money converted
-- to CNY and US$ with the annual average rate of the figure's year (yen through the cross rate).
with figures as (
    select
        *,
        {{ reference_year('period_kind', 'year', 'end_year') }} as reference_year
    from {{ ref('stg_figures') }}
    where {{ in_rebuilt_documents() }}
),

rates as (
    select * from {{ ref('int_fx_rates_annual') }}
),

based as (
    select
        figures.*,
        {{ to_base_units('printed_value', 'scale') }} as value,
        {{ to_base_units('printed_value_high', 'scale') }} as value_high,
        rates.cny_per_usd,
        rates.jpy_per_usd
    from figures
    left join rates on rates.year = figures.reference_year
)

select
    *,
    {{ to_usd('value', 'currency', 'cny_per_usd', 'jpy_per_usd') }} as value_usd,
    {{ to_cny('value', 'currency', 'cny_per_usd', 'jpy_per_usd') }} as value_cny,
    case when currency is not null then cny_per_usd end as fx_cny_per_usd,
    case when currency = 'JPY' then jpy_per_usd end as fx_jpy_per_usd,
    case when currency is not null then 'World Bank WDI PA.NUS.FCRF (IMF IFS), annual average' end as fx_rate_source,
    {{ locator('section', 'paragraph', 'table_row', 'table_column') }} as locator
from based
