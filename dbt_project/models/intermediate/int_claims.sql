{{ config(materialized='table') }}
-- Every claim the warehouse checks: those written in sources/claims (claim_origin stated, or drafted when a person
-- accepted `warehouse draft`'s), and those the catalogue's identities derive (int_derived_claims). A derived claim
-- that a written one already makes (same kind, stated figure and input facts) is checked once, as written: the
-- written claim carries the identity's id instead.
with written as (
    select * from {{ ref('stg_claims') }}
),

derived as (
    select * from {{ ref('int_derived_claims') }}
),

-- each claim's inputs as the facts they state (a figure of no dated fact stands for itself), sorted: two claims
-- with the same list take the same facts
input_facts as (
    select c.claim_id, list_sort(list(coalesce(f.reconciliation_id, c.figure_id))) as input_facts
    from {{ ref('int_claim_inputs') }} as c
    left join {{ ref('int_figure_statement_bounds') }} as f on f.figure_id = c.figure_id
    group by c.claim_id
),

duplicates as (
    select w.claim_id as written_claim_id, d.claim_id as derived_claim_id, d.identity_id
    from written as w
    join input_facts as wf on wf.claim_id = w.claim_id
    join derived as d
        on d.stated_figure_id = w.stated_figure_id and d.claim_kind = w.claim_kind
        and d.relation = coalesce(w.relation, 'eq')
    join input_facts as df on df.claim_id = d.claim_id and df.input_facts = wf.input_facts
)

select
    w.claim_id, w.document_id, w.section, w.paragraph, w.table_row, w.table_column, w.claim_kind,
    w.stated_figure_id, w.input_figure_ids, w.relation, w.statement, w.claim_origin,
    u.identity_id
from written as w
left join (select written_claim_id, min(identity_id) as identity_id from duplicates group by all) as u
    on u.written_claim_id = w.claim_id
union all
select
    d.claim_id, d.document_id, d.section, d.paragraph, d.table_row, d.table_column, d.claim_kind,
    d.stated_figure_id, d.input_figure_ids, d.relation, d.statement, d.claim_origin, d.identity_id
from derived as d
where d.claim_id not in (select derived_claim_id from duplicates)
