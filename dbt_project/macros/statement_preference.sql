{# Which of a fact's statements stands for it, once the figures in a gross inconsistency are set aside: a pinned
   figure (sources/preferred_figures.csv), the more authoritative source (seed document_kind_priority), the most
   precise statement (narrowest interval relative to its value), the most recent document, then the figure id.
   marts.preferred_figures chooses by it, and int_derived_claims takes its inputs by it. #}
{% macro statement_preference() -%}
    pin_reason is null, coalesce(source_rank, 99), relative_width nulls last, publication_year desc nulls last, figure_id
{%- endmacro %}
