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
