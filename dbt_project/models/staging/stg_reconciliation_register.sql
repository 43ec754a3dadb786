select
    reconciliation_id,
    verdict as registered_verdict,
    diagnosis as registered_diagnosis,
    explanation as registered_explanation
from {{ source('raw', 'reconciliation_register') }}
