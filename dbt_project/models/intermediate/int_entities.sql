-- Geography and firms in one list, so a figure's entity resolves to one name and kind, and a firm can be found by
-- any name it was printed under (its canonical name, short name and every curated alias).
with firm_names as (
    select firm_id, alias as name from {{ ref('stg_firm_aliases') }}
    union
    select firm_id, canonical_name from {{ ref('stg_firms') }}
    union
    select firm_id, short_name from {{ ref('stg_firms') }}
)

select
    'geography' as entity_type,
    geo_id as entity_id,
    geo_name as entity_name,
    geo_level as entity_kind,
    geo_name as entity_canonical_name,
    geo_name as entity_aliases
from {{ ref('stg_geography') }}

union all

select
    'firm' as entity_type,
    f.firm_id as entity_id,
    f.short_name as entity_name,
    'firm' as entity_kind,
    f.canonical_name as entity_canonical_name,
    (select string_agg(n.name, ' | ' order by n.name) from firm_names as n where n.firm_id = f.firm_id)
        as entity_aliases
from {{ ref('stg_firms') }} as f
