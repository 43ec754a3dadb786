-- Run state rather than a fact (it differs between an incremental run and a full build), so it lives in schema
-- ingest beside ingest.run_scope.
{{ config(schema='ingest') }}
-- The claims a run recomputes: every claim of the documents it rebuilds (ingest.run_scope), every claim of
-- another document that takes an input from one of them, or names a figure no document has any longer (a claim
-- may take inputs printed by other documents: a growth rate on another document's base year), and every claim
-- whose definition differs from the published one's (int_claims: a derived claim's preferred input changed).
-- A full run's scope is every document, so every claim. int_claim_operands and claim_checks replace these claims' rows
-- (incremental strategy replace_claims); the claim_register suite validates them.
with claims as (
    select claim_id, document_id, input_figure_ids from {{ ref('int_claims') }}
),

named as (
    select i.claim_id, i.document_id, i.figure_id
    from {{ ref('int_claim_inputs') }} as i
    semi join claims as c on c.claim_id = i.claim_id
)

select claim_id, document_id from claims where document_id in {{ rebuilt_documents() }}
union
select n.claim_id, n.document_id
from named as n
left join {{ ref('stg_figures') }} as f on f.figure_id = n.figure_id
where f.figure_id is null or f.document_id in {{ rebuilt_documents() }}
{#- A derived claim changes with figures of documents the run does not rebuild too: another document's statement
    becomes (or stops being) the preferred input, an identity or a pin changes. So the claims published with
    another definition, or published and no longer made, are recomputed (or dropped) as well: the published
    claim_checks, read as the previous state of a model downstream (like an incremental model's own rows). #}
{%- set published = adapter.get_relation(database=this.database, schema='marts', identifier='claim_checks') %}
{%- if published %}
union
select c.claim_id, c.document_id
from claims as c
left join {{ published }} as p on p.claim_id = c.claim_id
where p.claim_id is null or p.input_figure_ids is distinct from c.input_figure_ids
union
select p.claim_id, p.document_id
from {{ published }} as p
anti join claims as c on c.claim_id = p.claim_id
{%- endif %}
