select
    event_id,
    document_id,
    section,
    paragraph,
    entity_type,
    entity_id,
    event_kind,
    year,
    month,
    stated_text,
    description
from {{ source('raw', 'events') }}
