-- Dalian and Ningbo side by side in US$ on the measures both documents report, matched by concept: the
-- industry's total sales or realization, and the part sold abroad. The cities' definitions differ (software and
-- information services in Dalian, service outsourcing in Ningbo); indicator_name keeps each one's own.
with concepts as (
    select * from (values
        ('software_is_sales', 'industry_total', 'Software and information services sales / service outsourcing realization'),
        ('service_outsourcing_realization', 'industry_total', 'Software and information services sales / service outsourcing realization'),
        ('software_is_exports', 'sold_abroad', 'Software and information services exports / offshore outsourcing realization'),
        ('offshore_outsourcing_realization', 'sold_abroad', 'Software and information services exports / offshore outsourcing realization')
    ) as t(indicator_code, concept, concept_name)
)

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
    o.stated_text,
    o.document_id,
    o.locator,
    o.figure_id
from {{ ref('fct_observation') }} as o
join concepts as c on c.indicator_code = o.indicator_code
join {{ ref('dim_geography') }} as g on g.geo_id = o.geo_id
join {{ ref('dim_indicator') }} as i on i.indicator_code = o.indicator_code
where o.geo_id in ('dalian', 'ningbo')
  and o.measure = 'level'
