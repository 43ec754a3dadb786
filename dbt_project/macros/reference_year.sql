{# The one year a figure is referred to and compared at; converted at it too, except a target after its
   document's publication (int_figures_in_base_units.rate_year): a span's last year, else the year printed (a
   half-year's or a quarter's own year). #}
{% macro reference_year(period_kind, printed_year, end_year) -%}
    case when {{ period_kind }} = 'span' then {{ end_year }} else {{ printed_year }} end
{%- endmacro %}
