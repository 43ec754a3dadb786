{#
  The documents a run rebuilds, decided once by the ingest (orchestration/ingest/changes.py) and written to
  ingest.run_scope. The models tagged `by_document` in dbt_project.yml hold rows by document: the incremental ones
  compute the rows of those documents only and replace them (incremental_strategy 'replace_documents'), keeping
  every other document's rows as published; a test on any of them looks at those documents' rows only (the
  ingest checks keys across documents). A model dbt rebuilds with --full-refresh (a full run, or a model whose
  code changed: dbt_selection.py) starts over for every document, and its tests look at every row.
  source() is called outside the branches so dbt records the dependency when it parses the project.
#}
{% macro rebuilt_documents() -%}
    (select document_id from {{ source('ingest', 'run_scope') }})
{%- endmacro %}

{% macro in_rebuilt_documents(column='document_id') -%}
    {%- set scope = rebuilt_documents() -%}
    {%- if is_incremental() -%}
        {{ column }} in {{ scope }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{# dbt's incremental materialization calls this for incremental_strategy='replace_documents' #}
{% macro get_incremental_replace_documents_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} where document_id in {{ rebuilt_documents() }};
    insert into {{ target }} ({{ columns }}) select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{# The claims this run recomputes: every claim of its documents, and the other documents' claims that take inputs
   from them (int_claim_scope, rebuilt whenever figures or claims change; a scope kept from an earlier run only
   recomputes claims whose inputs did not change, to the same rows). A model rebuilt for every document
   (--full-refresh) recomputes every claim. #}
{% macro in_claim_scope(column='claim_id', document_column='document_id') -%}
    {%- set scope = ref('int_claim_scope') -%}
    {%- set documents = rebuilt_documents() -%}
    {%- if is_incremental() -%}
        ({{ column }} in (select claim_id from {{ scope }}) or {{ document_column }} in {{ documents }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{# dbt's incremental materialization calls this for incremental_strategy='replace_claims': the rows of the run's
   documents go (a removed claim with them), and every claim recomputed is replaced, whichever its document #}
{% macro get_incremental_replace_claims_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} where document_id in {{ rebuilt_documents() }}
        or claim_id in (select claim_id from {{ ref('int_claim_scope') }});
    insert into {{ target }} ({{ columns }}) select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{# The facts this run recomputes (int_fact_scope: the facts its documents, register entries, pins and recomputed
   claims reach; a scope kept from an earlier run only recomputes facts whose inputs did not change, to the same
   rows). A model rebuilt for every fact (--full-refresh) recomputes every fact. #}
{% macro fact_scope() -%}
    (select reconciliation_id from {{ ref('int_fact_scope') }})
{%- endmacro %}

{% macro in_fact_scope(column='reconciliation_id') -%}
    {%- set scope = fact_scope() -%}
    {%- if is_incremental() -%}
        {{ column }} in {{ scope }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{# dbt's incremental materialization calls this for incremental_strategy='replace_facts' (figure_reconciliation,
   preferred_figures): every fact in scope is replaced, and one no longer made (no longer stated twice) goes #}
{% macro get_incremental_replace_facts_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }} where reconciliation_id in {{ fact_scope() }};
    insert into {{ target }} ({{ columns }}) select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{# dbt wraps the relation every generic test looks at in this macro; a test's own `where` config still applies #}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set tested = graph.nodes.get(model.attached_node) if execute else none -%}
    {%- if not where and tested and 'by_document' in tested.tags and not flags.FULL_REFRESH -%}
        {%- set where = 'document_id in ' ~ rebuilt_documents() -%}
    {%- endif -%}
    {%- if where -%}
        (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#
  on-run-end: which models this dbt invocation rebuilt, and whether for every document (--full-refresh), for the
  GX suites to know which rows to validate (orchestration/checks/gx_suites.py). The ingest empties the table.
#}
{% macro record_models_rebuilt(results) -%}
    {%- set rebuilt = results | selectattr('node.resource_type', 'equalto', 'model')
                              | selectattr('status', 'equalto', 'success') | list -%}
    {%- if execute and rebuilt -%}
        create schema if not exists ingest;
        create table if not exists ingest.models_rebuilt (model varchar, every_document boolean);
        insert into ingest.models_rebuilt values
        {%- for result in rebuilt %}
            ('{{ result.node.name }}', {{ 'true' if flags.FULL_REFRESH else 'false' }}){{ ',' if not loop.last }}
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}
