{# The one year a figure is converted and compared at: a span's last year, else the year printed. #}
{% macro reference_year(period_kind, year, end_year) -%}
    case when {{ period_kind }} = 'span' then {{ end_year }} else {{ year }} end
{%- endmacro %}
