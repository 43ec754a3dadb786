{#- What Dagster shows on a model's materialization: its row count (a table's: counting a view runs its query,
    over every figure at scale) and column types as the file holds them, and a mart's findings (meta.findings in
    its yml). A post-hook of every model and seed: dbt holds the file while it builds, so the description is
    printed in dbt's log, where the step reads it as each node finishes and reports the asset at once
    (orchestration/dbt_metadata.py), and kept in ingest.model_descriptions, in the model's own transaction, for a
    run that keeps the model as published. -#}
{% macro describe_for_dagster() -%}
    {%- if execute -%}
        {%- set counted = "null" if config.get('materialized') == 'view' else "(select count(*) from " ~ this ~ ")" -%}
        {#- one query: each costs dbt a round of its own bookkeeping, and this runs for every node -#}
        {%- set found = run_query(
                "select " ~ counted ~ ", to_json(list([column_name, data_type] order by ordinal_position))"
                ~ " from information_schema.columns where table_catalog = current_database()"
                ~ " and table_schema = '" ~ this.schema ~ "' and table_name = '" ~ this.identifier ~ "'"
            ).rows[0] -%}
        {%- set description = {
                "schema": this.schema,
                "name": this.identifier,
                "row_count": none if found[0] is none else found[0] | int,
                "columns": fromjson(found[1]),
                "findings": model_findings(config.get('meta', {}).get('findings')),
            } -%}
        {{- log("dagster_description " ~ tojson(description), info=True) -}}
        delete from ingest.model_descriptions where schema_name = '{{ this.schema }}' and table_name = '{{ this.identifier }}';
        insert into ingest.model_descriptions values ('{{ this.schema }}', '{{ this.identifier }}', '{{ tojson(description) | replace("'", "''") }}')
    {%- endif -%}
{%- endmacro %}

{#- The numbers a mart of findings records, which Dagster's asset page plots across runs: `verdicts` (a var naming
    the verdicts the mart may give) counts each of them, 0 for one no row has, any other found, and the total;
    `coverage_by_document` gives each document's coverage_pct (none for a document whose text was not read). -#}
{% macro model_findings(findings) -%}
    {%- set found = {} -%}
    {%- if findings and findings.get('verdicts') -%}
        {%- set counts = {} -%}
        {%- for row in run_query("select verdict, count(*) from " ~ this ~ " group by verdict order by verdict").rows -%}
            {%- do counts.update({row[0]: row[1] | int}) -%}
        {%- endfor -%}
        {%- for verdict in var(findings['verdicts']) + (counts.keys() | sort) -%}
            {%- do found.update({"verdict_" ~ verdict: counts.get(verdict, 0)}) -%}
        {%- endfor -%}
        {%- do found.update({"verdicts_total": counts.values() | sum}) -%}
    {%- elif findings and findings.get('coverage_by_document') -%}
        {%- for row in run_query("select document_id, coverage_pct from " ~ this
                                 ~ " where coverage_pct is not null order by 1").rows -%}
            {%- do found.update({"coverage_pct_" ~ row[0]: row[1] | float}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(found) -}}
{%- endmacro %}
