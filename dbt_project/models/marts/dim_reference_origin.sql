-- Where each reference series comes from, with the rates it supplies: the join key of an exchange rate
-- (stg_fx_rates.rate_series, the wdi and fred columns of dim_year) is `series`.
with covered as (
    select
        rate_series as series,
        string_agg(distinct currency, '; ' order by currency) as currencies,
        min(year) as first_year,
        max(year) as last_year
    from {{ ref('stg_fx_rates') }}
    group by rate_series
)

select
    o.dataset,
    o.series,
    o.producer,
    o.title,
    o.url,
    o.accessed_on,
    o.licence,
    o.description,
    covered.currencies,
    covered.first_year,
    covered.last_year
from {{ ref('stg_reference_origins') }} as o
left join covered on o.dataset = 'fx_rates' and covered.series = o.series
