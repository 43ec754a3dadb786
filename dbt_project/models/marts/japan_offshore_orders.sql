-- China's share of Japan's offshore development orders, by year, from the totals and China's part as printed,
-- with the flags of the figures used.
with orders as (
    select o.year, o.indicator_code, o.value, o.value_usd, o.stated_text, x.discrepancy_flags
    from {{ ref('fct_observation') }} as o
    left join {{ ref('figure_discrepancy_flags') }} as x on x.figure_id = o.figure_id
    where indicator_code in ('japan_offshore_orders', 'japan_offshore_orders_to_china') and measure = 'level'
)

select
    year,
    max(value) filter (where indicator_code = 'japan_offshore_orders') as total_orders_jpy,
    max(value) filter (where indicator_code = 'japan_offshore_orders_to_china') as orders_to_china_jpy,
    max(value_usd) filter (where indicator_code = 'japan_offshore_orders') as total_orders_usd,
    max(value_usd) filter (where indicator_code = 'japan_offshore_orders_to_china') as orders_to_china_usd,
    round(100 * orders_to_china_jpy / total_orders_jpy, 1) as china_share_pct,
    max(stated_text) filter (where indicator_code = 'japan_offshore_orders') as total_as_printed,
    max(stated_text) filter (where indicator_code = 'japan_offshore_orders_to_china') as to_china_as_printed,
    string_agg(discrepancy_flags, '; ' order by indicator_code) as discrepancy_flags
from orders
group by year
