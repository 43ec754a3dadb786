select
    indicator_code,
    indicator_name,
    unit_kind,
    unit,
    additive as is_additive,
    definition
from {{ source('raw', 'indicators') }}
