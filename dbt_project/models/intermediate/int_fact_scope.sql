-- Run state rather than a fact (it differs between an incremental run and a full build), so it lives in schema
-- ingest beside ingest.run_scope.
{{ config(schema='ingest') }}
-- The facts a run recomputes: figure_reconciliation and preferred_figures replace these facts' rows (incremental
-- strategy replace_facts) and keep every other. A fact's rows follow from its statements, its register entry, its
-- pins and its statements' discrepancy flags, so the scope is every fact one of these can have changed for:
--   - the facts the documents the run rebuilds (ingest.run_scope) state now, or were published as stated by (a
--     fact they no longer state loses a statement, or goes);
--   - the facts whose register entry differs from the published one (or was removed);
--   - the facts with a pinned figure now, or published as chosen for a pin;
--   - the facts of the figures a claim this run recomputes (int_claim_scope) names now, or was published as
--     blaming: a figure's flags change with the claims that blame it (the flags' other half, the reconciliation of
--     its fact, changes only for the facts above).
-- The flags cannot be read here: they are computed from figure_reconciliation, downstream. The published marts
-- are read as the previous state of the models downstream, as int_claim_scope reads claim_checks. A superset
-- costs only time: a fact recomputed unchanged comes out as the same row. A full build lists what it finds, and
-- the marts rebuilt whole read none of it.
{#- ref() outside the branches, so dbt records each dependency when it parses the project #}
{%- set bounds = ref('int_figure_statement_bounds') -%}
{%- set pins = ref('stg_preferred_figures') -%}
{%- set claims_recomputed = ref('int_claim_scope') -%}
{%- set register = ref('stg_reconciliation_register') -%}
{%- set published = {} -%}
{%- for model in ('figure_reconciliation', 'preferred_figures', 'figure_discrepancy_flags') -%}
    {%- do published.update({model: adapter.get_relation(database=this.database, schema='marts', identifier=model)}) -%}
{%- endfor %}
with claimed as (
    select c.claim_id, c.stated_figure_id
    from {{ ref('int_claims') }} as c
    semi join {{ claims_recomputed }} as s on s.claim_id = c.claim_id
),

named as (
    select stated_figure_id as figure_id from claimed
    union
    select i.figure_id from {{ ref('int_claim_inputs') }} as i semi join claimed as c on c.claim_id = i.claim_id
    {%- if published.figure_discrepancy_flags %}
    union
    select figure_id
    from {{ published.figure_discrepancy_flags }}
    where list_has_any(string_split(claim_ids, ', '), (select list(claim_id) from {{ claims_recomputed }}))
    {%- endif %}
)

select reconciliation_id from {{ bounds }} where document_id in {{ rebuilt_documents() }}
union
select b.reconciliation_id from {{ bounds }} as b semi join {{ pins }} as p on p.figure_id = b.figure_id
union
select b.reconciliation_id from {{ bounds }} as b semi join named as n on n.figure_id = b.figure_id
{%- for model in ('figure_reconciliation', 'preferred_figures') if published[model] %}
union
select reconciliation_id
from {{ published[model] }}
where list_has_any(string_split(document_ids, ', '), (select list(document_id) from {{ rebuilt_documents() }}))
{%- endfor %}
{%- if published.figure_reconciliation %}
union
select t.reconciliation_id
from {{ published.figure_reconciliation }} as t
left join {{ register }} as g on g.reconciliation_id = t.reconciliation_id
where t.registered_verdict is distinct from g.registered_verdict
   or t.registered_diagnosis is distinct from g.registered_diagnosis
   or t.registered_explanation is distinct from g.registered_explanation
{%- endif %}
{%- if published.preferred_figures %}
union
select reconciliation_id from {{ published.preferred_figures }} where pin_reason is not null
{%- endif %}
