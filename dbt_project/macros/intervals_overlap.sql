{# Whether two statements' intervals of true values share a value. Each relation (a table alias) has
   compared_low, compared_high and open_low / open_high, true for a strict bound: "over X" excludes X itself,
   so "over X" and "less than X" share no value. One rule for the reconciliation's verdict and for which
   documents agree with a preferred value. #}
{% macro intervals_overlap(a, b) -%}
    (
        ({{ a }}.compared_low < {{ b }}.compared_high
         or ({{ a }}.compared_low = {{ b }}.compared_high and not {{ a }}.open_low and not {{ b }}.open_high))
        and ({{ b }}.compared_low < {{ a }}.compared_high
         or ({{ b }}.compared_low = {{ a }}.compared_high and not {{ b }}.open_low and not {{ a }}.open_high))
    )
{%- endmacro %}
