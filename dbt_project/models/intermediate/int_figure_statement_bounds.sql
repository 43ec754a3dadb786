{{ config(materialized='incremental', incremental_strategy='replace_documents') }}
-- Each dated figure as a statement of a fact: an entity's indicator, measure and period (the reconciliation
-- key), with its interval of true values (int_figure_intervals: rounding and comparators) as printed and, for
-- money, in yuan and in US$, each end converted at the year's rate that widens it (the WDI annual average and
-- FRED's cross-check: their spread). A figure without a period ("unspecified") states no dated fact and is left
-- out, and so is a target or forecast (obs_status F): what a document expected is no statement of what happened.
-- One row per figure, held by document: int_figure_statements compares the statements of each fact.
with figures as (
    select
        b.entity_type,
        b.entity_id,
        b.indicator_code,
        b.measure,
        {{ period_key('b.period_kind', 'b.printed_year', 'b.start_year', 'b.end_year', 'b.as_of_date') }} as period_key,
        b.period_kind,
        b.reference_year as year,
        b.rate_year,
        i.figure_id,
        i.document_id,
        i.stated_text,
        i.comparator,
        i.currency,
        i.unit,
        i.value,
        i.value_low,
        i.value_high,
        i.usd_value,
        i.usd_low,
        i.usd_high
    from {{ ref('int_figure_intervals') }} as i
    join {{ ref('int_figures_in_base_units') }} as b on b.figure_id = i.figure_id
    where b.period_kind <> 'unspecified' and b.obs_status is distinct from 'F'
      and {{ in_rebuilt_documents('i.document_id') }}
),

documents as (
    select d.document_id, d.document_kind, d.publication_year, d.published_on, p.source_rank, p.source_class
    from {{ ref('stg_documents') }} as d
    left join {{ ref('document_kind_priority') }} as p on p.document_kind = d.document_kind
)

select
    -- the fact's key as one readable, stable id (the reconciliation register's key)
    regexp_replace(lower(f.entity_id || '__' || f.indicator_code || '__' || f.measure || '__' || f.period_key),
                   '[^a-z0-9_]+', '_', 'g') as reconciliation_id,
    f.entity_type,
    f.entity_id,
    f.indicator_code,
    f.measure,
    f.period_key,
    f.period_kind,
    f.year,
    f.figure_id,
    f.document_id,
    d.document_kind,
    d.publication_year,
    d.published_on,
    d.source_rank,
    d.source_class,
    f.stated_text,
    f.comparator,
    f.currency,
    f.unit,
    f.value,
    f.value_low,
    f.value_high,
    f.usd_value,
    f.usd_low,
    f.usd_high,
    {{ to_cny('f.value', 'f.currency', 'r.cny_per_usd', 'r.jpy_per_usd') }} as cny_value,
    {{ to_cny('f.value_low', 'f.currency', 'least(r.cny_per_usd, r.cny_per_usd_fred)',
              'greatest(r.jpy_per_usd, r.jpy_per_usd_fred)') }} as cny_low,
    {{ to_cny('f.value_high', 'f.currency', 'greatest(r.cny_per_usd, r.cny_per_usd_fred)',
              'least(r.jpy_per_usd, r.jpy_per_usd_fred)') }} as cny_high,
    -- a strict bound excludes its end: "over X" is above X, "less than X" below it
    f.comparator = 'gt' as open_low,
    f.comparator = 'lt' as open_high,
    f.comparator in ('gt', 'ge', 'lt', 'le') as is_bound,
    case when f.currency is not null then r.cny_per_usd end as fx_cny_per_usd,
    case when f.currency is not null then r.cny_series_spread end as fx_series_spread
from figures as f
left join {{ ref('int_fx_rates_annual') }} as r on r.year = f.rate_year
left join documents as d on d.document_id = f.document_id
