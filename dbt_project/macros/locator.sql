{# A readable place in the document: "Table 1, row 'Growth', column '2012'" or "2.1. The Scale ..., paragraph 1". #}
{% macro locator(section, paragraph, table_row, table_column) -%}
    concat_ws(', ',
        {{ section }},
        case when {{ table_row }} is not null then 'row ''' || {{ table_row }} || '''' end,
        case when {{ table_column }} is not null then 'column ''' || {{ table_column }} || '''' end,
        case when {{ paragraph }} is not null then 'paragraph ' || {{ paragraph }} end
    )
{%- endmacro %}
