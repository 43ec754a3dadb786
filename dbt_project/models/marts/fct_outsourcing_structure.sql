-- Service outsourcing by line of business (ITO, BPO, KPO) and market (all, offshore, onshore) per city and year,
-- from Ningbo's Table 2.
-- "all" and "offshore" are printed figures; "onshore" is derived as all minus offshore in US$ (the offshore
-- rows are read in US$, the totals are printed in yuan), so it carries no figure_id and is flagged derived.
-- Which indicator is which line and market: the seed outsourcing_structure_lines. Each row carries the flags of
-- the figures it uses (marts.figure_discrepancy_flags; a derived row, both of its figures').
with printed as (
    select
        o.geo_id,
        o.year,
        l.service_line,
        l.market,
        o.value_cny,
        o.value_usd,
        o.currency as printed_currency,
        o.figure_id,
        o.document_id,
        o.locator,
        o.stated_text,
        false as is_derived,
        x.discrepancy_flags
    from {{ ref('fct_observation') }} as o
    left join {{ ref('figure_discrepancy_flags') }} as x on x.figure_id = o.figure_id
    join {{ ref('outsourcing_structure_lines') }} as l on l.indicator_code = o.indicator_code
    -- the table's cells are the structure; the prose repeats two KPO totals, which marts.claim_checks compares
    -- with them
    where o.section = 'Table 2'
      and o.table_row is not null
      and o.measure = 'level'
),

onshore as (
    select
        a.geo_id,
        a.year,
        a.service_line,
        'onshore' as market,
        (a.value_usd - f.value_usd) * y.cny_per_usd as value_cny,
        a.value_usd - f.value_usd as value_usd,
        cast(null as varchar) as printed_currency,
        cast(null as varchar) as figure_id,
        a.document_id,
        'derived: ' || a.locator || ' minus ' || f.locator as locator,
        cast(null as varchar) as stated_text,
        true as is_derived,
        nullif(concat_ws('; ', a.discrepancy_flags, f.discrepancy_flags), '') as discrepancy_flags
    from printed as a
    join printed as f
        on f.geo_id = a.geo_id and f.year = a.year and f.service_line = a.service_line
        and f.document_id = a.document_id and f.market = 'offshore'
    join {{ ref('dim_year') }} as y on y.year = a.year
    where a.market = 'all'
)

select
    geo_id || ':' || year || ':' || service_line || ':' || market as structure_key,
    *
from (select * from printed union all select * from onshore)
