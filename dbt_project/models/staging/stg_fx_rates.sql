select
    year,
    currency,
    series as rate_series,
    cast(units_per_usd as double) as units_per_usd
from {{ source('raw', 'fx_rates') }}
