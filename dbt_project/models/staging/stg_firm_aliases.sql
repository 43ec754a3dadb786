select
    firm_id,
    alias,
    alias_kind,
    valid_from_year,
    valid_to_year,
    document_id
from {{ source('raw', 'firm_aliases') }}
