-- Dalian and Ningbo side by side in US$ on the measures both documents report, matched by concept: the
-- industry's total sales or realization, and the part sold abroad. The cities' definitions differ (software and
-- information services in Dalian, service outsourcing in Ningbo); indicator_name keeps each one's own.
-- Which indicator stands for which concept: the seed city_comparison_concepts. A figure known to be doubtful
-- carries its flags (marts.figure_discrepancy_flags), so a misprinted amount does not sit unmarked beside the other.
select
    c.concept,
    c.concept_name,
    g.geo_name as city,
    o.year,
    o.comparator,
    o.value_usd,
    o.value_cny,
    o.fx_cny_per_usd,
    i.indicator_name,
    {{ plain_text('o.stated_text') }} as stated_text,
    o.stated_text as stated_text_as_printed,
    o.document_id,
    o.locator,
    o.figure_id,
    x.discrepancy_flags,
    coalesce(x.in_gross_inconsistency, false) as in_gross_inconsistency
from {{ ref('fct_observation') }} as o
join {{ ref('city_comparison_concepts') }} as c on c.indicator_code = o.indicator_code
join {{ ref('dim_geography') }} as g on g.geo_id = o.geo_id
join {{ ref('dim_indicator') }} as i on i.indicator_code = o.indicator_code
left join {{ ref('figure_discrepancy_flags') }} as x on x.figure_id = o.figure_id
where o.geo_id in ('dalian', 'ningbo')
  and o.measure = 'level'
