-- Each dated figure as a statement of a fact: an entity's indicator, measure and period (the reconciliation
-- key), with its interval of true values (int_figure_intervals: rounding and comparators) in the currency its
-- fact is compared in. A fact stated only in one currency is compared in it; money stated in several is
-- compared in yuan when one statement is in yuan, else in US$, each end converted at the year's rate that widens
-- it (the WDI annual average and FRED's cross-check: their spread). A figure without a period ("unspecified")
-- states no dated fact and is left out.
with figures as (
    select
        b.entity_type,
        b.entity_id,
        b.indicator_code,
        b.measure,
        {{ period_key('b.period_kind', 'b.year', 'b.start_year', 'b.end_year', 'b.as_of_date') }} as period_key,
        b.period_kind,
        b.reference_year as year,
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
    where b.period_kind <> 'unspecified'
),

facts as (
    select
        entity_type,
        entity_id,
        indicator_code,
        measure,
        period_key,
        count(*) as statement_count,
        count(distinct document_id) as document_count,
        count(distinct currency) as currency_count,
        bool_or(currency = 'CNY') as any_cny
    from figures
    group by all
),

documents as (
    select d.document_id, d.document_kind, d.publication_year, d.published_on, p.source_rank, p.source_class
    from {{ ref('stg_documents') }} as d
    left join {{ ref('document_kind_priority') }} as p on p.document_kind = d.document_kind
),

compared as (
    select
        f.*,
        k.statement_count,
        k.document_count,
        case when k.currency_count > 1 then case when k.any_cny then 'CNY' else 'USD' end
             else coalesce(f.currency, f.unit) end as compared_in,
        r.cny_per_usd as fx_cny_per_usd,
        r.cny_series_spread as fx_series_spread
    from figures as f
    join facts as k using (entity_type, entity_id, indicator_code, measure, period_key)
    left join {{ ref('int_fx_rates_annual') }} as r on r.year = f.year
)

select
    -- the fact's key as one readable, stable id (the reconciliation register's key)
    regexp_replace(lower(entity_id || '__' || indicator_code || '__' || measure || '__' || period_key),
                   '[^a-z0-9_]+', '_', 'g') as reconciliation_id,
    entity_type,
    entity_id,
    indicator_code,
    measure,
    period_key,
    period_kind,
    c.year,
    statement_count,
    document_count,
    c.figure_id,
    c.document_id,
    d.document_kind,
    d.publication_year,
    d.published_on,
    d.source_rank,
    d.source_class,
    c.stated_text,
    c.comparator,
    c.currency,
    c.unit,
    c.value,
    c.value_low,
    c.value_high,
    c.compared_in,
    case when c.compared_in = 'USD' then c.usd_value
         when c.compared_in = 'CNY' then {{ to_cny('c.value', 'c.currency', 'r.cny_per_usd', 'r.jpy_per_usd') }}
         else c.value end as compared_value,
    case when c.compared_in = 'USD' then c.usd_low
         when c.compared_in = 'CNY' then {{ to_cny('c.value_low', 'c.currency',
                                              'least(r.cny_per_usd, r.cny_per_usd_fred)',
                                              'greatest(r.jpy_per_usd, r.jpy_per_usd_fred)') }}
         else c.value_low end as compared_low,
    case when c.compared_in = 'USD' then c.usd_high
         when c.compared_in = 'CNY' then {{ to_cny('c.value_high', 'c.currency',
                                              'greatest(r.cny_per_usd, r.cny_per_usd_fred)',
                                              'least(r.jpy_per_usd, r.jpy_per_usd_fred)') }}
         else c.value_high end as compared_high,
    -- a strict bound excludes its end: "over X" is above X, "less than X" below it
    c.comparator = 'gt' as open_low,
    c.comparator = 'lt' as open_high,
    c.comparator in ('gt', 'ge', 'lt', 'le') as is_bound,
    c.currency is not null and c.currency <> c.compared_in as is_converted,
    c.fx_cny_per_usd,
    c.fx_series_spread
from compared as c
left join {{ ref('int_fx_rates_annual') }} as r on r.year = c.year
left join documents as d on d.document_id = c.document_id
