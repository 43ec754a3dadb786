{# An amount in US$ at the given yuan and yen rates (units per US$); null for what is not money. A figure's value
   takes its rate year's WDI rates; an interval's ends take the rate series that widen it. #}
{% macro to_usd(amount, currency, cny_per_usd, jpy_per_usd) -%}
    case {{ currency }}
        when 'USD' then {{ amount }}
        when 'CNY' then {{ amount }} / {{ cny_per_usd }}
        when 'JPY' then {{ amount }} / {{ jpy_per_usd }}
    end
{%- endmacro %}
