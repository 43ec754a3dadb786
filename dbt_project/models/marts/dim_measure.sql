-- How a figure measures its indicator (SDMX UNIT_MEASURE / transformation style): the level itself, or a
-- growth rate, share, multiple or rank of it. unit_kind and unit are null for level: the indicator's own.
select
    measure,
    measure_name,
    unit_kind,
    unit,
    definition
from {{ ref('stg_measures') }}
