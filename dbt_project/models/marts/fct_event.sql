-- The timeline: one row per dated milestone, with the entity it concerns and where the document dates it.
select
    e.event_id,
    e.document_id,
    e.entity_type,
    e.entity_id,
    ent.entity_name,
    ent.entity_kind,
    e.event_kind,
    e.year,
    e.year_high,
    e.month,
    e.stated_text,
    e.description,
    {{ locator('e.section', 'e.paragraph', 'null', 'null') }} as locator
from {{ ref('stg_events') }} as e
left join {{ ref('int_entities') }} as ent on ent.entity_type = e.entity_type and ent.entity_id = e.entity_id
