-- Every number a text prints that nothing accounts for (or only rows still marked draft), and every literal the sources place where the text does
-- not print it: what the blocking document_coverage check names, each as file:line, literal and place.
with numbers as (
    select
        *,
        coalesce(' (paragraph ' || paragraph || ')', '')
            || coalesce(' (row ' || table_row || ', column ' || table_column || ')', '') as within_section
    from {{ ref('stg_text_numbers') }}
    where status in ('unaccounted', 'draft', 'not_found')
),

placed as (
    select
        *,
        file_name || ':' || line || ': ''' || literal || ''' in '
            || coalesce(section, 'the text before any heading') || within_section as printed_at
    from numbers
)

select
    document_id,
    file_name,
    line,
    line_column,
    literal,
    section,
    paragraph,
    table_row,
    table_column,
    status,
    accounted_by,
    case status
        when 'unaccounted' then printed_at || ' — not recorded, not ignored'
        when 'draft' then
            printed_at || ' — drafted as ' || accounted_by || ', waiting for review (set review_status to reviewed)'
        else
            file_name || ': ''' || literal || ''' of ' || accounted_by || ' is not printed in ' || section
            || within_section
    end as problem
from placed
