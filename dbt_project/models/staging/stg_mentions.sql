-- rows written by `warehouse draft` and not yet reviewed stay in raw (counted as waiting) and never reach the marts
select
    mention_id,
    figure_id,
    document_id,
    section,
    paragraph,
    table_row,
    table_column,
    occurrence
from {{ source('raw', 'mentions') }}
where review_status = 'reviewed'
