-- Ningbo's offshore service outsourcing against its exports of trade in services (Table 1), year by year:
-- the proportion as printed beside the one recomputed from the printed amounts, with the flags of the figures used.
with table_1 as (
    select
        year,
        max(value_usd) filter (where indicator_code = 'offshore_outsourcing_realization') as offshore_usd,
        max(value_usd) filter (where indicator_code = 'services_trade_exports') as services_exports_usd,
        max(value) filter (where indicator_code = 'offshore_share_of_services_exports_pct') as printed_share_pct,
        max(stated_text) filter (where indicator_code = 'offshore_share_of_services_exports_pct')
            as printed_share_as_printed,
        max(o.figure_id) filter (where indicator_code = 'offshore_share_of_services_exports_pct')
            as share_figure_id,
        string_agg(x.discrepancy_flags, '; ' order by o.indicator_code) as discrepancy_flags
    from {{ ref('fct_observation') }} as o
    left join {{ ref('figure_discrepancy_flags') }} as x on x.figure_id = o.figure_id
    where geo_id = 'ningbo'
      and section = 'Table 1'
      and table_row is not null
      and measure = 'level'
    group by year
)

select
    year,
    offshore_usd,
    services_exports_usd,
    printed_share_pct,
    printed_share_as_printed,
    round(100 * offshore_usd / services_exports_usd, 2) as recomputed_share_pct,
    round(printed_share_pct - 100 * offshore_usd / services_exports_usd, 2) as printed_minus_recomputed_pct,
    share_figure_id,
    discrepancy_flags
from table_1
