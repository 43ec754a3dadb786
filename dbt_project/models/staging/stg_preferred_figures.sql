select
    figure_id,
    reason as pin_reason
from {{ source('raw', 'preferred_figures') }}
