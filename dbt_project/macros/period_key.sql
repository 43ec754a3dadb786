{# One key per way a figure can be dated: "2011", "2011-2017", "as of 2010-12-31", "2019-H1", "2018-Q3",
   "unspecified". A half-year or quarter is keyed apart from its whole year, so that the marts comparing a fact
   across documents (keyed by period) never take the first half of 2019 for 2019. #}
{% macro period_key(period_kind, printed_year, start_year, end_year, as_of_date) -%}
    case {{ period_kind }}
        when 'year' then cast({{ printed_year }} as varchar)
        when 'span' then {{ start_year }} || '-' || {{ end_year }}
        when 'as_of' then 'as of ' || cast({{ as_of_date }} as varchar)
        when 'half' then {{ printed_year }} || '-H' || case when month({{ as_of_date }}) <= 6 then 1 else 2 end
        when 'quarter' then {{ printed_year }} || '-Q' || quarter({{ as_of_date }})
        else 'unspecified'
    end
{%- endmacro %}
