select
    firm_id,
    canonical_name,
    short_name,
    firm_kind,
    founded_year,
    home_geo_id,
    note
from {{ ref('stg_firms') }}
