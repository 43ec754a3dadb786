-- Every number a text prints that nothing accounts for (or only rows still marked draft), and every literal the sources place where the text does
-- not print it: what the blocking document_coverage check names, each as file:line, literal and place.
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
        when 'unaccounted' then
            file_name || ':' || line || ': ''' || literal || ''' in ' || coalesce(section, 'the text before any heading')
            || coalesce(' (paragraph ' || paragraph || ')', '')
            || coalesce(' (row ' || table_row || ', column ' || table_column || ')', '')
            || ' — not recorded, not ignored'
        when 'draft' then
            file_name || ':' || line || ': ''' || literal || ''' in ' || coalesce(section, 'the text before any heading')
            || coalesce(' (paragraph ' || paragraph || ')', '')
            || coalesce(' (row ' || table_row || ', column ' || table_column || ')', '')
            || ' — drafted as ' || accounted_by || ', waiting for review (set review_status to reviewed)'
        else
            file_name || ': ''' || literal || ''' of ' || accounted_by || ' is not printed in ' || section
            || coalesce(' (paragraph ' || paragraph || ')', '')
            || coalesce(' (row ' || table_row || ', column ' || table_column || ')', '')
    end as problem
from {{ ref('stg_text_numbers') }}
where status in ('unaccounted', 'draft', 'not_found')
