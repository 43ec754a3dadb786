-- a reviewed mention's figure beside where its literal is printed: what the fidelity suite compares
select
    p.document_id,
    p.mention_id,
    m.figure_id,
    m.occurrence,
    p.line,
    p."column" as line_column,
    p.text_at_locator,
    p.in_other_words,
    {{ to_base_units('p.value_read', 'p.scale_read') }} as value_read
from {{ source('raw', 'mention_printings') }} as p
inner join {{ ref('stg_mentions') }} as m using (mention_id)
