select
    document_id,
    file_name,
    text_present,
    reason
from {{ source('raw', 'document_texts') }}
