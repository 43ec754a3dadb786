-- figure_ranges: each figure of the documents this run rebuilt, its value in one column per kind of quantity,
-- so each kind gets the range it can take. A figure's kind is its measure's (share, growth, multiple, rank) or,
-- for a level, its indicator's (an amount, a count, an area, a percent).
with figures as (
    select
        o.figure_id,
        o.document_id,
        o.indicator_code,
        o.measure,
        o.stated_text,
        o.value,
        o.value_usd,
        coalesce(m.unit_kind, i.unit_kind) as unit_kind
    from marts.fct_observation as o
    left join marts.dim_indicator as i on o.indicator_code = i.indicator_code
    left join marts.dim_measure as m on o.measure = m.measure
    where o.document_id in (select document_id from rebuilt_documents)
)

select
    figure_id,
    document_id,
    indicator_code,
    measure,
    stated_text,
    unit_kind,
    case when unit_kind = 'percent' then value end as share_pct,
    case when unit_kind = 'growth' then value end as growth_pct,
    case when unit_kind = 'ratio' then value end as multiple,
    case when unit_kind = 'rank' then value end as rank,
    case when unit_kind = 'count' then value end as count,
    case when unit_kind in ('count', 'rank') then value - floor(value) end as fraction_of_a_whole,
    case when unit_kind = 'currency' then value_usd end as amount_usd,
    case when unit_kind = 'area' then value end as area_km2
from figures
