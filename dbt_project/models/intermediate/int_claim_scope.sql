-- Run state rather than a fact (it differs between an incremental run and a full build), so it lives in schema
-- ingest beside ingest.run_scope.
{{ config(schema='ingest') }}
-- The claims a run recomputes: every claim of the documents it rebuilds (ingest.run_scope), and every claim of
-- another document that takes an input from one of them, or names a figure no document has any longer (a claim
-- may take inputs printed by other documents: a growth rate on another document's base year). A full run's
-- scope is every document, so every claim. int_claim_operands and claim_checks replace these claims' rows
-- (incremental strategy replace_claims); the claim_register suite validates them.
with claims as (
    select claim_id, document_id, input_figure_ids from {{ ref('stg_claims') }}
),

named as (
    select claim_id, document_id, trim(unnest(string_split(replace(input_figure_ids, '+', ';'), ';'))) as figure_id
    from claims
)

select claim_id, document_id from claims where document_id in {{ rebuilt_documents() }}
union
select n.claim_id, n.document_id
from named as n
left join {{ ref('stg_figures') }} as f on f.figure_id = n.figure_id
where f.figure_id is null or f.document_id in {{ rebuilt_documents() }}
