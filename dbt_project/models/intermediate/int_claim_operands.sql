{{ config(materialized='incremental', incremental_strategy='replace_claims') }}
{#- the strategy deletes the rows of the run's documents too: declare that source -#}
{%- set run_scope = rebuilt_documents() -%}
-- One row per claim operand (int_claim_inputs: "a;b+c" gives operand 1 = a and operand 2 = b + c). Each operand
-- carries the summed interval of its figures, natively and in US$, and the years they refer to. An input may be
-- another document's figure: the claims recomputed are int_claim_scope's.
with members as (
    select i.claim_id, i.document_id, i.position, i.in_a_sum, i.figure_id
    from {{ ref('int_claim_inputs') }} as i
    semi join {{ ref('int_claims') }} as c on c.claim_id = i.claim_id
    where {{ in_claim_scope('i.claim_id', 'i.document_id') }}
)

select
    m.claim_id,
    m.document_id,
    m.position,
    count(*) as member_count,
    count(i.figure_id) as members_found,
    -- Most operands are one figure. Only a sum's members are gathered into a list, in figure order: an ordered
    -- or distinct aggregate over every operand holds all of them in memory at once (at 1e7 past dbt's limit).
    case
        when not bool_or(m.in_a_sum) then any_value(coalesce(i.stated_text, m.figure_id))
        else array_to_string(
            list_transform(
                list_sort(list({'figure_id': m.figure_id, 'printed': coalesce(i.stated_text, m.figure_id)})
                    filter (where m.in_a_sum)),
                lambda member: member.printed
            ),
            ' + '
        )
    end as printed,
    sum(i.value) as value,
    sum(i.value_low) as value_low,
    -- the low end is only the quantity's floor when every member is bounded above alone ("less than"): a check
    -- against it cannot fail; one plain member makes it a real bound
    bool_and(i.comparator in ('lt', 'le')) as low_open,
    sum(i.value_high) as value_high,
    sum(i.usd_value) as usd_value,
    sum(i.usd_low) as usd_low,
    sum(i.usd_high) as usd_high,
    min(i.reference_year) as first_year,
    max(i.reference_year) as last_year,
    case
        when min(i.currency) = max(i.currency) then 1
        when min(i.currency) is null then 0
        else len(list_distinct(list(i.currency) filter (where m.in_a_sum)))
    end as currency_count,
    min(i.currency) as currency
from members as m
-- any document's figure: a claim may take inputs printed by another document
left join {{ ref('int_figure_intervals') }} as i on i.figure_id = m.figure_id
group by m.claim_id, m.document_id, m.position
