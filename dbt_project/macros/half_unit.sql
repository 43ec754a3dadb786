{# Half the last printed digit, in base units: a value printed with d decimals stands for +-1/2 * 10^-d of its
   printed unit, times 10^scale ("1.5万": decimals 1, scale 4, +-500). #}
{% macro half_unit(decimals, scale) -%}
    0.5 * pow(10, -({{ decimals }})) * pow(10, {{ scale }})
{%- endmacro %}
