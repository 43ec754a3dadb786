select
    dataset,
    series,
    producer,
    title,
    url,
    date_accessed as accessed_on,
    licence,
    description
from {{ source('raw', 'reference_origins') }}
