select
    document_id,
    title,
    authors,
    publication_year,
    published_on,
    venue,
    document_kind,
    text_sha256,
    url,
    note
from {{ ref('stg_documents') }}
