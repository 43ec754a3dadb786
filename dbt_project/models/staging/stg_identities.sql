with identities as (
    select *, string_split(part_indicators, ';') as parts from {{ source('raw', 'identities') }}
)

select
    identity_id,
    rule,
    whole_indicator,
    trim(unnest(parts)) as part_indicator,
    unnest(range(1, len(parts) + 1)) as part_position,
    whole_entity,
    description
from identities
