select
    document_id,
    file_name,
    line,
    "column" as line_column,
    literal,
    section,
    paragraph,
    table_row,
    table_column,
    status,
    accounted_by
from {{ source('raw', 'text_numbers') }}
