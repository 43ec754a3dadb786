{{ config(materialized='view') }}
-- The clean series for SQL users: one value per entity, indicator, measure and year (facts dated to one whole
-- year: no span, half-year or quarter), actual values only (marts.preferred_figures leaves targets out), the
-- preferred figure of marts.preferred_figures with its source, how many documents state the fact and how
-- many of them agree, and the discrepancy flags of the figure used. Values at the precision they were printed
-- with, the literal without markup (marts.figures' rules); the exact values beside them.
select
    p.entity_name,
    p.entity_type,
    p.entity_id,
    p.indicator_code,
    p.indicator_name,
    p.measure,
    p.year,
    p.comparator,
    {{ as_printed_precision('p.value', 'o.printed_value', 'o.decimals') }} as value,
    p.unit,
    p.currency,
    {{ as_printed_precision('p.value_cny', 'o.printed_value', 'o.decimals') }} as value_cny,
    {{ as_printed_precision('p.value_usd', 'o.printed_value', 'o.decimals') }} as value_usd,
    {{ plain_text('p.stated_text') }} as stated_text,
    p.stated_text as stated_text_as_printed,
    p.document_id,
    p.document_title,
    p.source_class,
    p.locator,
    p.figure_id,
    p.chosen_by,
    p.document_count,
    p.agreeing_documents,
    p.reconciliation_verdict,
    p.discrepancy_flags,
    p.value as value_exact,
    p.value_cny as value_cny_exact,
    p.value_usd as value_usd_exact
from {{ ref('preferred_figures') }} as p
join {{ ref('fct_observation') }} as o on o.figure_id = p.figure_id
where p.period_kind = 'year'
