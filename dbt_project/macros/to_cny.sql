{# An amount in yuan at the given yuan and yen rates (units per US$); null for what is not money. A figure's value
   takes its rate year's WDI rates; an interval's ends take the rate series that widen it. #}
{% macro to_cny(amount, currency, cny_per_usd, jpy_per_usd) -%}
    case {{ currency }}
        when 'USD' then {{ amount }} * {{ cny_per_usd }}
        when 'CNY' then {{ amount }}
        when 'JPY' then {{ amount }} / {{ jpy_per_usd }} * {{ cny_per_usd }}
    end
{%- endmacro %}
