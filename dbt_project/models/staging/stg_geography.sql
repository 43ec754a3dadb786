select
    geo_id,
    name as geo_name,
    level as geo_level,
    parent_id as parent_geo_id,
    iso_code,
    note
from {{ source('raw', 'geography') }}
