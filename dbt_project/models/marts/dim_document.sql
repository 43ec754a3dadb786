select
    document_id,
    title,
    authors,
    publisher,
    publication_year,
    published_on,
    accessed_on,
    venue,
    document_kind,
    text_sha256,
    url,
    licence,
    note
from {{ ref('stg_documents') }}
