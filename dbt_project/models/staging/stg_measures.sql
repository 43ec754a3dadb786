select
    measure,
    measure_name,
    unit_kind,
    unit,
    definition
from {{ source('raw', 'measures') }}
