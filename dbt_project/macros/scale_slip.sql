{# A factor near a power of ten other than 1 (log_ratio = log10 of the factor): a slipped scale, such as a total
   printed ten times too large. `tolerance`: how far from the power of ten the factor's log may lie. #}
{% macro scale_slip(log_ratio, tolerance=0.1) -%}
    (abs(round({{ log_ratio }})) >= 1 and abs({{ log_ratio }} - round({{ log_ratio }})) < {{ tolerance }})
{%- endmacro %}
