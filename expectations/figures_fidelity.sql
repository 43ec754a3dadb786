-- figures_fidelity: each figure of the documents this run rebuilt: its literal and value as published beside what
-- its document prints where the text reading found the literal at the figure's locator (its first printing,
-- stg_mention_printings) and that text's value as the literal parser reads it again. A figure's other printings
-- are its coverage's: each claimed a printing of the very literal.
select
    p.mention_id,
    o.figure_id,
    o.locator,
    o.stated_text,
    p.text_at_locator,
    p.in_other_words,
    o.value,
    p.value_read
from marts.fct_observation as o
inner join staging.stg_mention_printings as p using (figure_id)
where p.occurrence = 1 and o.document_id in (select document_id from rebuilt_documents)
