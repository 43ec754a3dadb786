{# How a derived claim (int_derived_claims) names an input `p`, a fact's preferred statement: the fact, the figure,
   its document, and how many statements of the fact there are to prefer it over. #}
{% macro input_named(p) -%}
    {{ p }}.indicator_code || ' ' || {{ p }}.period_key || ' = ' || {{ p }}.figure_id || ' (' || {{ p }}.document_id
        || case when {{ p }}.statements_of_fact > 1 then ', preferred of ' || {{ p }}.statements_of_fact
                || ' statements' else '' end || ')'
{%- endmacro %}
