select
    claim_id,
    document_id,
    section,
    paragraph,
    table_row,
    table_column,
    claim_kind,
    stated_figure_id,
    input_figure_ids,
    relation,
    statement
from {{ source('raw', 'claims') }}
