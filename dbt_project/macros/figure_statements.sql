{#- Each fact's statements compared in one currency: a fact stated only in one currency (or unit) is compared in
    it; money stated in several is compared in yuan when one statement is in yuan, else in US$ (each statement's
    converted interval from int_figure_statement_bounds, widened by the rate spread). `facts`, a condition on
    reconciliation_id, limits it to those facts before the statements are counted per fact: DuckDB does not
    push a filter on the view's result below its windows, which would count every fact's statements. -#}
{% macro figure_statements(facts=none) -%}
with counted as (
    select
        *,
        count(*) over fact as statement_count,
        count(distinct document_id) over fact as document_count,
        count(distinct currency) over fact as currency_count,
        bool_or(currency = 'CNY') over fact as any_cny
    from {{ ref('int_figure_statement_bounds') }}
    {%- if facts %}
    where {{ facts }}
    {%- endif %}
    window fact as (partition by reconciliation_id)
),

compared as (
    select
        *,
        case when currency_count > 1 then case when any_cny then 'CNY' else 'USD' end
             else coalesce(currency, unit) end as compared_in
    from counted
)

select
    reconciliation_id,
    entity_type,
    entity_id,
    indicator_code,
    measure,
    period_key,
    period_kind,
    year,
    statement_count,
    document_count,
    figure_id,
    document_id,
    document_kind,
    publication_year,
    published_on,
    source_rank,
    source_class,
    stated_text,
    comparator,
    currency,
    unit,
    value,
    value_low,
    value_high,
    compared_in,
    case when compared_in = 'USD' then usd_value when compared_in = 'CNY' then cny_value else value end
        as compared_value,
    case when compared_in = 'USD' then usd_low when compared_in = 'CNY' then cny_low else value_low end
        as compared_low,
    case when compared_in = 'USD' then usd_high when compared_in = 'CNY' then cny_high else value_high end
        as compared_high,
    open_low,
    open_high,
    is_bound,
    currency is not null and currency <> compared_in as is_converted,
    fx_cny_per_usd,
    fx_series_spread
from compared
{%- endmacro %}

{#- The statements a fact-by-fact mart compares, as a relation to select from: those of the facts in scope
    (in_fact_scope) in an incremental run, every fact's (the view) in a full build. Both rendered, so dbt records
    every model either reads when it parses the project. -#}
{% macro statements_compared() -%}
    {%- set in_scope = figure_statements(in_fact_scope()) -%}
    {%- if is_incremental() -%}
        ({{ in_scope }})
    {%- else -%}
        {{ ref('int_figure_statements') }}
    {%- endif -%}
{%- endmacro %}
