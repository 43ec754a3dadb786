{# What a claim's operands give for its stated figure (marts.claim_checks), written once for the value and for
   each end of its interval. `bound` is '' (the operands' values), '_lo' or '_hi': a numerator takes that end and
   a denominator the other (a_lo / b_hi is the least a share can be), so each end is the widest the operands'
   rounding allows. Columns of claim_checks' operand_values: a, b (the first two operands), total (their sum), and
   span_years. #}
{% macro recomputed_claim(bound) -%}
    {%- set n = bound -%}
    {%- set d = {'': '', '_lo': '_hi', '_hi': '_lo'}[bound] -%}
    case claim_kind
            when 'growth' then (b{{ n }} / a{{ d }} - 1) * 100
            when 'avg_growth' then (pow(b{{ n }} / a{{ d }}, 1.0 / span_years) - 1) * 100
            when 'from_to' then a{{ n }}
            when 'share' then a{{ n }} / b{{ d }} * 100
            when 'fx_share' then a{{ n }} / b{{ d }} * 100
            when 'sum' then total{{ n }}
            when 'multiple' then a{{ n }} / b{{ d }}
            when 'same_total' then a{{ n }}
            when 'magnitude' then a{{ n }}
            when 'bound' then a{{ n }}
        end
{%- endmacro %}
