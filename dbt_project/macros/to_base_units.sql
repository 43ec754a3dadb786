{# Printed value x 10^scale, in exact decimal arithmetic, then as DOUBLE for analysts (exact below 2^53). #}
{% macro to_base_units(value, scale) -%}
    cast(cast({{ value }} as decimal(38, 10)) * cast(pow(10, {{ scale }}) as hugeint) as double)
{%- endmacro %}
