{# The figure ids a claim's input_figure_ids names, as a list: "a;b+c" is [a, b, c] (operands are split by ';', a
   sum's members by '+'; int_claim_operands keeps the operands apart where the recomputation needs them). #}
{% macro claim_input_figures(column) -%}
    list_transform(string_split(replace({{ column }}, '+', ';'), ';'), lambda f: trim(f))
{%- endmacro %}
