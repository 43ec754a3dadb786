select
    event_id,
    document_id,
    section,
    paragraph,
    entity_type,
    entity_id,
    event_kind,
    year,
    year_high,
    month,
    stated_text,
    description
from {{ source('raw', 'events') }}
