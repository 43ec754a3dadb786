select
    firm_id,
    canonical_name,
    coalesce(short_name, canonical_name) as short_name,
    firm_kind,
    founded_year,
    home_geo_id,
    note
from {{ source('raw', 'firms') }}
