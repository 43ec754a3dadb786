{{ config(materialized='incremental', incremental_strategy='replace_documents') }}
-- Grain: one distinct figure per document (a figure printed twice counts once, with mention_count 2).
with mentions as (
    select figure_id, count(*) as mention_count
    from {{ ref('stg_mentions') }}
    where {{ in_rebuilt_documents() }}
    group by figure_id
)

select
    f.figure_id,
    f.document_id,
    f.entity_type,
    f.entity_id,
    case when f.entity_type = 'geography' then f.entity_id end as geo_id,
    case when f.entity_type = 'firm' then f.entity_id end as firm_id,
    f.indicator_code,
    f.measure,
    {{ period_key('f.period_kind', 'f.printed_year', 'f.start_year', 'f.end_year', 'f.as_of_date') }} as period_key,
    f.period_kind,
    f.reference_year as year,
    f.start_year,
    f.end_year,
    f.as_of_date,
    f.locator,
    f.section,
    f.paragraph,
    f.table_row,
    f.table_column,
    f.stated_text,
    f.unit_as_printed,
    f.unit_interpreted,
    f.interpretation_note,
    f.printed_value,
    f.printed_value_high,
    f.decimals,
    f.scale,
    f.comparator,
    f.obs_status,
    f.unit,
    f.currency,
    f.value,
    f.range_high,
    f.value_cny,
    f.value_usd,
    f.fx_cny_per_usd,
    f.fx_jpy_per_usd,
    f.fx_rate_source,
    coalesce(m.mention_count, 0) as mention_count,
    f.source_file
from {{ ref('int_figures_in_base_units') }} as f
left join mentions as m on m.figure_id = f.figure_id
where {{ in_rebuilt_documents('f.document_id') }}
