{{ config(materialized='view') }}
-- The clean series for SQL users: one value per entity, indicator, measure and year (facts dated to one year),
-- the preferred figure of marts.preferred_figures with its source, how many documents state the fact and how
-- many of them agree, and the discrepancy flags of the figure used.
select
    entity_name,
    entity_type,
    entity_id,
    indicator_code,
    indicator_name,
    measure,
    year,
    comparator,
    value,
    unit,
    currency,
    value_cny,
    value_usd,
    stated_text,
    document_id,
    document_title,
    source_class,
    locator,
    figure_id,
    chosen_by,
    document_count,
    agreeing_documents,
    reconciliation_verdict,
    discrepancy_flags
from {{ ref('preferred_figures') }}
where period_kind = 'year'
