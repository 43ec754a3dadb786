-- One row per fact (entity, indicator, measure, period) that at least two documents state: every statement, the
-- comparison in one currency (int_figure_statements) and a verdict. `agree`: every two statements' intervals
-- share a value (rounding, comparators and, for money in two currencies, the rate spread). `contradict`: two
-- statements exclude each other and one of them is a bound ("over X" against "less than X"): no rounding can
-- make both true. `disagree`: intervals apart, with the relative gap; money that would meet at another rate says
-- which (the implied CNY per US$) beside the annual average used. Every verdict but agree is investigated in
-- sources/reconciliation_register.csv (gate: expectations/reconciliation_register). Actual values only: a target
-- or forecast (obs_status F) is no statement of the fact (int_figure_statement_bounds leaves it out), and a
-- half-year or quarter is a fact of its own, never its whole year (its period_key).
--
-- Incremental by fact: a run recomputes the facts in its scope (int_fact_scope: what its documents, register
-- entries, pins and claims can have changed, decided once for both fact-by-fact marts) and keeps every other row
-- (strategy replace_facts), so a change to one document costs the facts it reaches, not the whole table.
{{ config(materialized='incremental', incremental_strategy='replace_facts') }}
with statements as (
    select *
    from {{ statements_compared() }} as s
    where document_count >= 2
),

pairs as (
    select
        a.reconciliation_id,
        {{ intervals_overlap('a', 'b') }} as overlap,
        a.is_bound or b.is_bound as involves_bound
    from statements as a
    join statements as b
        on b.reconciliation_id = a.reconciliation_id and b.figure_id > a.figure_id
),

pair_verdicts as (
    select
        reconciliation_id,
        bool_and(overlap) as all_overlap,
        bool_or(not overlap and involves_bound) as bounds_exclude
    from pairs
    group by all
),

facts as (
    select
        reconciliation_id,
        any_value(entity_type) as entity_type,
        any_value(entity_id) as entity_id,
        any_value(indicator_code) as indicator_code,
        any_value(measure) as measure,
        any_value(period_key) as period_key,
        any_value(period_kind) as period_kind,
        any_value(year) as year,
        count(*) as statement_count,
        count(distinct document_id) as document_count,
        string_agg(figure_id, ', ' order by document_id, figure_id) as figure_ids,
        string_agg(distinct document_id, ', ' order by document_id) as document_ids,
        string_agg(stated_text, ' | ' order by document_id, figure_id) as stated_texts,
        string_agg(document_id || ' ' || figure_id || ': ' || stated_text || ' = ' || printf('%.6g', compared_low)
                   || ' to ' || printf('%.6g', compared_high) || ' ' || compared_in
                   || case when is_converted then ' (from ' || currency || ')' else '' end,
                   '; ' order by document_id, figure_id) as statements,
        any_value(compared_in) as compared_in,
        bool_or(is_converted) as is_converted,
        min(compared_value) as lowest_value,
        max(compared_value) as highest_value,
        max(compared_low) as common_low,
        min(compared_high) as common_high,
        any_value(fx_cny_per_usd) filter (where currency is not null) as fx_cny_per_usd,
        any_value(fx_series_spread) filter (where currency is not null) as fx_series_spread,
        -- the rate at which the yuan and the US$ statements would state the same amount
        avg(value) filter (where currency = 'CNY') / avg(value) filter (where currency = 'USD')
            as implied_cny_per_usd,
        max(value_low) filter (where currency = 'CNY') / min(value_high) filter (where currency = 'USD')
            as implied_low,
        min(value_high) filter (where currency = 'CNY') / max(value_low) filter (where currency = 'USD')
            as implied_high,
        count(*) filter (where currency = 'JPY') as jpy_statements
    from statements
    group by all
),

judged as (
    select
        f.*,
        case when v.all_overlap then 'agree' when v.bounds_exclude then 'contradict' else 'disagree' end as verdict,
        case when lowest_value > 0 then log10(highest_value / lowest_value) end as log_ratio,
        f.implied_cny_per_usd is not null and f.jpy_statements = 0 and f.implied_low <= f.implied_high
            as meets_at_another_rate
    from facts as f
    join pair_verdicts as v using (reconciliation_id)
)

select
    j.reconciliation_id,
    j.entity_type,
    j.entity_id,
    e.entity_name,
    j.indicator_code,
    j.measure,
    j.period_key,
    j.period_kind,
    j.year,
    j.statement_count,
    j.document_count,
    j.figure_ids,
    j.document_ids,
    j.stated_texts,
    j.statements,
    j.compared_in,
    j.lowest_value,
    j.highest_value,
    case when j.common_low <= j.common_high then j.common_low end as common_low,
    case when j.common_low <= j.common_high then j.common_high end as common_high,
    case when j.verdict <> 'agree' and j.lowest_value > 0 then j.highest_value / j.lowest_value - 1 end
        as relative_gap,
    j.fx_cny_per_usd,
    j.fx_series_spread,
    case when j.meets_at_another_rate and j.verdict = 'disagree' then j.implied_cny_per_usd end
        as implied_cny_per_usd,
    j.verdict,
    case
        when j.verdict = 'agree' and j.is_converted then 'within rounding and the rate spread'
        when j.verdict = 'agree' then 'within rounding'
        when j.verdict = 'contradict' then 'bounds exclude each other'
        when {{ scale_slip('j.log_ratio') }} then 'scale slip of ~10^' || cast(round(j.log_ratio) as integer)
        when j.meets_at_another_rate then 'agrees only at another exchange rate'
        else 'beyond rounding'
    end as diagnosis,
    {{ scale_slip('j.log_ratio') }} and j.verdict = 'disagree' as is_scale_slip,
    case
        when j.verdict = 'agree' then 'The statements agree: ' || j.statements || '.'
        when j.verdict = 'contradict' then 'The statements exclude each other: ' || j.statements || '.'
        else 'The statements differ by ' || printf('%.3g', 100 * (j.highest_value / j.lowest_value - 1)) || '%: '
            || j.statements || '.'
            || case when j.meets_at_another_rate then ' They agree at ' || printf('%.4g', j.implied_low) || ' to '
                    || printf('%.4g', j.implied_high) || ' CNY per US$ (implied ' || printf('%.4g', j.implied_cny_per_usd)
                    || '); the annual average used is ' || printf('%.4g', j.fx_cny_per_usd) || '.' else '' end
    end as explanation,
    r.registered_verdict,
    r.registered_diagnosis,
    r.registered_explanation
from judged as j
left join {{ ref('int_entities') }} as e on e.entity_type = j.entity_type and e.entity_id = j.entity_id
left join {{ ref('stg_reconciliation_register') }} as r on r.reconciliation_id = j.reconciliation_id
