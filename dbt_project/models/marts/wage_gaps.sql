-- Wage and salary gaps the documents draw: each lower-paid place against each better-paid place it is compared
-- with, for the same indicator and year, in US$ at that year's rate, with the flags of both figures.
with pay as (
    select
        o.figure_id, o.entity_id, e.entity_name, o.indicator_code, o.year, o.value, o.currency, o.value_usd,
        o.stated_text, o.document_id
    from {{ ref('fct_observation') }} as o
    join {{ ref('int_entities') }} as e on e.entity_type = o.entity_type and e.entity_id = o.entity_id
    where o.indicator_code in ('software_engineer_annual_salary', 'it_average_annual_wage') and o.measure = 'level'
)

select
    low.indicator_code,
    low.year,
    low.entity_name as lower_paid,
    high.entity_name as compared_with,
    low.value_usd as lower_pay_usd,
    high.value_usd as compared_pay_usd,
    high.value_usd - low.value_usd as gap_usd,
    round(high.value_usd / low.value_usd, 2) as pay_ratio,
    low.stated_text as lower_as_printed,
    high.stated_text as compared_as_printed,
    low.document_id,
    nullif(concat_ws('; ', lx.discrepancy_flags, hx.discrepancy_flags), '') as discrepancy_flags
from pay as low
join pay as high
    on high.indicator_code = low.indicator_code
    and high.year = low.year
    and high.document_id = low.document_id
    and high.value_usd > low.value_usd
left join {{ ref('figure_discrepancy_flags') }} as lx on lx.figure_id = low.figure_id
left join {{ ref('figure_discrepancy_flags') }} as hx on hx.figure_id = high.figure_id
