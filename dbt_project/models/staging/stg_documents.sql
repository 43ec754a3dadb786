select
    document_id,
    file_name,
    title,
    authors,
    year as publication_year,
    published as published_on,
    venue,
    kind as document_kind,
    sha256 as text_sha256,
    url,
    note
from {{ source('raw', 'documents') }}
