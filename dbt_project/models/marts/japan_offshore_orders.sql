-- China's share of Japan's offshore development orders, by year, from the totals and China's part as printed.
with orders as (
    select year, indicator_code, value, value_usd, stated_text
    from {{ ref('fct_observation') }}
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
    max(stated_text) filter (where indicator_code = 'japan_offshore_orders_to_china') as to_china_as_printed
from orders
group by year
