-- Each place with its parent and the city, province and country it sits in (walking up to four levels).
with geo as (
    select * from {{ ref('stg_geography') }}
),

walk as (
    select
        g.geo_id,
        g.geo_name,
        g.geo_level,
        g.parent_geo_id,
        g.iso_code,
        [g, p1, p2, p3, p4] as path
    from geo as g
    left join geo as p1 on p1.geo_id = g.parent_geo_id
    left join geo as p2 on p2.geo_id = p1.parent_geo_id
    left join geo as p3 on p3.geo_id = p2.parent_geo_id
    left join geo as p4 on p4.geo_id = p3.parent_geo_id
)

select
    geo_id,
    geo_name,
    geo_level,
    parent_geo_id,
    iso_code,
    list_filter(path, lambda x: x.geo_level = 'city')[1].geo_id as city_geo_id,
    list_filter(path, lambda x: x.geo_level = 'province')[1].geo_id as province_geo_id,
    list_filter(path, lambda x: x.geo_level = 'country')[1].geo_id as country_geo_id
from walk
