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
    statement,
    coalesce(claim_origin, 'stated') as claim_origin
from {{ source('raw', 'claims') }}
