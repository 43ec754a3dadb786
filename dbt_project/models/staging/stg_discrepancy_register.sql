select
    claim_id,
    verdict as registered_verdict,
    diagnosis as registered_diagnosis,
    explanation as registered_explanation
from {{ source('raw', 'discrepancy_register') }}
