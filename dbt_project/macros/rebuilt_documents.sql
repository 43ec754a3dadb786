{#
  The big per-figure and per-claim models are incremental, partitioned by document: a run replaces the rows of
  the documents it rebuilds (ingest.run_scope, written by the ingest) and keeps every other document's rows as
  published. A document's rows depend only on its own source rows and the catalogues; the ingest rebuilds
  everything (dbt build --full-refresh) when a catalogue row they depend on or the code changes.
  source() is called outside the branch so dbt records the dependency when it parses the project.
#}
{% macro in_rebuilt_documents(column='document_id') -%}
    {%- set scope = source('ingest', 'run_scope') -%}
    {%- if is_incremental() -%}
        {{ column }} in (select document_id from {{ scope }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{% macro delete_rebuilt_documents() -%}
    {%- set scope = source('ingest', 'run_scope') -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where document_id in (select document_id from {{ scope }})
    {%- endif -%}
{%- endmacro %}
