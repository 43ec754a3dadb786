select
    indicator_code,
    indicator_name,
    unit_kind,
    unit,
    is_additive,
    definition
from {{ ref('stg_indicators') }}
