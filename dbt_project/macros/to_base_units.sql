{# Printed value x 10^scale, in exact decimal arithmetic, then as DOUBLE for analysts (exact below 2^53). The ingest
   admits scales 0 to MAX_SCALE (orchestration/ingest/literals.py), whose pow(10, scale) is an exact integer,
   and values whose product keeps within the 28 integer digits of DECIMAL(38,10). #}
{% macro to_base_units(value, scale) -%}
    cast(cast({{ value }} as decimal(38, 10)) * cast(pow(10, {{ scale }}) as hugeint) as double)
{%- endmacro %}
