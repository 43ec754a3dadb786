select
    document_id,
    file_name,
    title,
    authors,
    publisher,
    -- the year printed, else the year of the date it was published on
    coalesce(year, year(published))::integer as publication_year,
    published as published_on,
    date_accessed as accessed_on,
    venue,
    kind as document_kind,
    sha256 as text_sha256,
    url,
    licence,
    note
from {{ source('raw', 'documents') }}
