{{ config(materialized='incremental', incremental_strategy='replace_documents') }}
-- Every figure with its scale applied (base units: yuan, US$, yen, persons, percent, ...) and money converted
-- to CNY and US$ with the annual average rate of the figure's year (yen through the cross rate); a target
-- (obs_status F) for a year after its document's publication, with the publication year's: the later rate was not
-- known when the document printed it, and may not exist yet (the ingest asks for the same year's rate).
with figures as (
    select
        f.*,
        {{ reference_year('f.period_kind', 'f.printed_year', 'f.end_year') }} as reference_year,
        case when f.obs_status = 'F' and reference_year > d.publication_year then d.publication_year
             else reference_year end as rate_year
    from {{ ref('stg_figures') }} as f
    left join {{ ref('stg_documents') }} as d on d.document_id = f.document_id
    where {{ in_rebuilt_documents('f.document_id') }}
),

rates as (
    select * from {{ ref('int_fx_rates_annual') }}
),

based as (
    select
        figures.*,
        {{ to_base_units('printed_value', 'scale') }} as value,
        {{ to_base_units('printed_value_high', 'scale') }} as range_high,
        rates.cny_per_usd,
        rates.jpy_per_usd
    from figures
    left join rates on rates.year = figures.rate_year
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
