-- Geography and firms in one list, so a figure's entity resolves to one name and kind.
select
    'geography' as entity_type,
    geo_id as entity_id,
    geo_name as entity_name,
    geo_level as entity_kind
from {{ ref('stg_geography') }}

union all

select
    'firm' as entity_type,
    firm_id as entity_id,
    short_name as entity_name,
    'firm' as entity_kind
from {{ ref('stg_firms') }}
