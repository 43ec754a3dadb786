-- One row per year: the primary (WDI) and cross-check (FRED) rates side by side, and their spread.
with rates as (
    select * from {{ ref('stg_fx_rates') }}
)

select
    year,
    max(units_per_usd) filter (where currency = 'CNY' and rate_series = 'wdi') as cny_per_usd,
    max(units_per_usd) filter (where currency = 'JPY' and rate_series = 'wdi') as jpy_per_usd,
    max(units_per_usd) filter (where currency = 'CNY' and rate_series = 'fred') as cny_per_usd_fred,
    max(units_per_usd) filter (where currency = 'JPY' and rate_series = 'fred') as jpy_per_usd_fred,
    abs(cny_per_usd_fred / cny_per_usd - 1) as cny_series_spread,
    abs(jpy_per_usd_fred / jpy_per_usd - 1) as jpy_series_spread
from rates
group by year
