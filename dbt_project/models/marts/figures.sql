{{ config(materialized='view') }}
-- The analyst view: one row per distinct stated figure, in base units, with where it was printed.
-- Its name and columns are a public contract for SQL users. Values read at the precision they were printed
-- with and the literal without the source's markup; the exact values and the verbatim literal beside them.
select
    o.figure_id,
    e.entity_name,
    e.entity_canonical_name,
    e.entity_aliases,
    e.entity_kind,
    o.entity_id,
    o.indicator_code,
    i.indicator_name,
    o.measure,
    m.measure_name,
    o.period_kind,
    o.year,
    o.start_year,
    o.end_year,
    o.as_of_date,
    o.comparator,
    {{ as_printed_precision('o.value', 'o.printed_value', 'o.decimals') }} as value,
    {{ as_printed_precision('o.range_high', 'o.printed_value', 'o.decimals') }} as range_high,
    o.unit,
    o.currency,
    {{ as_printed_precision('o.value_cny', 'o.printed_value', 'o.decimals') }} as value_cny,
    {{ as_printed_precision('o.value_usd', 'o.printed_value', 'o.decimals') }} as value_usd,
    o.fx_cny_per_usd,
    o.document_id,
    d.title as document_title,
    o.locator,
    o.section,
    o.paragraph,
    o.table_row,
    o.table_column,
    {{ plain_text('o.stated_text') }} as stated_text,
    o.stated_text as stated_text_as_printed,
    o.decimals,
    o.scale,
    o.obs_status,
    -- a target or forecast stays with the document's figures, marked, and out of the series of actuals
    o.obs_status = 'F' as is_target,
    o.value as value_exact,
    o.value_cny as value_cny_exact,
    o.value_usd as value_usd_exact,
    flagged.claim_ids as discrepancy_claim_ids,
    flagged.reconciliation_ids as discrepancy_reconciliation_ids
from {{ ref('fct_observation') }} as o
-- the figure is the printed side of a claim the checks find inconsistent, or states a fact another document
-- states differently: read it with those (marts.figure_discrepancy_flags)
left join {{ ref('figure_discrepancy_flags') }} as flagged on flagged.figure_id = o.figure_id
left join {{ ref('int_entities') }} as e on e.entity_type = o.entity_type and e.entity_id = o.entity_id
left join {{ ref('dim_indicator') }} as i on i.indicator_code = o.indicator_code
left join {{ ref('dim_measure') }} as m on m.measure = o.measure
left join {{ ref('dim_document') }} as d on d.document_id = o.document_id
