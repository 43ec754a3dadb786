-- One row per fact (entity, indicator, measure, period) any document states as an actual value: the figure that
-- stands for it, and why. A target or forecast (obs_status F) never stands for a fact, nor counts as one of its
-- statements (int_figure_statement_bounds leaves it out); a half-year or quarter is a fact of its own.
-- The rule, in order (each step only breaks the previous one's ties):
--   1. never a figure in a gross inconsistency (marts.figure_discrepancy_flags) when another document states
--      the fact;
--   2. a figure a user pinned in sources/preferred_figures.csv, with its reason;
--   3. the more authoritative source (seed document_kind_priority: a primary statistical source over research
--      over a secondary source);
--   4. the most precise statement (the narrowest interval relative to its value: a bound is least precise);
--   5. the most recent document (its publication year); then the figure id.
-- `agreeing_documents` counts the documents whose statement of the fact agrees with the chosen one (its own
-- included; int_figure_statements' intervals, the reconciliation's rule).
--
-- Incremental by fact, as figure_reconciliation: a run re-chooses the facts in its scope (int_fact_scope, which
-- also holds the facts whose pins or whose statements' flags can have changed) and keeps every other row (strategy
-- replace_facts). A catalogue change other facts depend on is a full run.
{{ config(materialized='incremental', incremental_strategy='replace_facts') }}
with statements as (
    select
        s.*,
        p.pin_reason,
        coalesce(f.in_gross_inconsistency, false) and s.document_count > 1 as set_aside,
        (s.compared_high - s.compared_low) / nullif(abs(s.compared_value), 0) as relative_width
    from {{ statements_compared() }} as s
    left join {{ ref('stg_preferred_figures') }} as p on p.figure_id = s.figure_id
    left join {{ ref('figure_discrepancy_flags') }} as f on f.figure_id = s.figure_id
),

-- a fact stated once (most) has its one document and nothing set aside: only the others are aggregated
stated_more_than_once as (
    select
        reconciliation_id,
        string_agg(distinct document_id, ', ' order by document_id) as document_ids,
        count(*) filter (where set_aside) as statements_set_aside
    from statements
    where statement_count > 1
    group by reconciliation_id
),

ranked as (
    select
        *,
        row_number() over preference as preference_rank,
        lead(set_aside) over preference as next_set_aside,
        lead(source_rank) over preference as next_source_rank,
        lead(relative_width) over preference as next_relative_width,
        lead(publication_year) over preference as next_publication_year
    from statements
    window preference as (
        partition by reconciliation_id
        order by set_aside, {{ statement_preference() }}
    )
),

chosen as (
    select
        *,
        case
            when statement_count = 1 then 'the only statement'
            when next_set_aside and not set_aside then 'the other statements are in a gross inconsistency'
            when pin_reason is not null then 'pinned: ' || pin_reason
            when source_rank < coalesce(next_source_rank, 99) then 'the more authoritative source (' || source_class || ')'
            when relative_width < coalesce(next_relative_width, 'infinity'::double) then 'the most precise statement'
            when publication_year > next_publication_year then 'the most recent document'
            else 'the first by figure id'
        end as chosen_by
    from ranked
    where preference_rank = 1
),

agreeing as (
    select c.reconciliation_id, count(distinct s.document_id) as agreeing_documents
    from chosen as c
    join statements as s on s.reconciliation_id = c.reconciliation_id and {{ intervals_overlap('c', 's') }}
    group by c.reconciliation_id
)

select
    c.reconciliation_id,
    c.entity_type,
    c.entity_id,
    e.entity_name,
    c.indicator_code,
    i.indicator_name,
    c.measure,
    c.period_key,
    c.period_kind,
    c.year,
    o.comparator,
    o.value,
    o.range_high,
    o.unit,
    o.currency,
    o.value_cny,
    o.value_usd,
    o.stated_text,
    c.figure_id,
    c.document_id,
    d.title as document_title,
    c.document_kind,
    c.source_class,
    o.locator,
    c.chosen_by,
    c.pin_reason,
    c.statement_count,
    c.document_count,
    coalesce(x.document_ids, c.document_id) as document_ids,
    a.agreeing_documents,
    coalesce(x.statements_set_aside, 0) as statements_set_aside,
    r.verdict as reconciliation_verdict,
    f.discrepancy_flags,
    coalesce(f.in_gross_inconsistency, false) as in_gross_inconsistency
from chosen as c
join agreeing as a on a.reconciliation_id = c.reconciliation_id
left join stated_more_than_once as x on x.reconciliation_id = c.reconciliation_id
join {{ ref('fct_observation') }} as o on o.figure_id = c.figure_id
left join {{ ref('int_entities') }} as e on e.entity_type = c.entity_type and e.entity_id = c.entity_id
left join {{ ref('dim_indicator') }} as i on i.indicator_code = c.indicator_code
left join {{ ref('dim_document') }} as d on d.document_id = c.document_id
left join {{ ref('figure_reconciliation') }} as r on r.reconciliation_id = c.reconciliation_id
left join {{ ref('figure_discrepancy_flags') }} as f on f.figure_id = c.figure_id
