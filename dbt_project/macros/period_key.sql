{# One key per way a figure can be dated: "2011", "2011-2017", "as of 2010-12-31", "unspecified". #}
{% macro period_key(period_kind, year, start_year, end_year, as_of_date) -%}
    case {{ period_kind }}
        when 'year' then cast({{ year }} as varchar)
        when 'span' then {{ start_year }} || '-' || {{ end_year }}
        when 'as_of' then 'as of ' || cast({{ as_of_date }} as varchar)
        else 'unspecified'
    end
{%- endmacro %}
