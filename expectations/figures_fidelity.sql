-- figures_fidelity: each figure of the documents this run rebuilt, with the numbers its published literal
-- prints and whether each of them is printed in the document's text where the figure's mentions place it.
-- The text's numbers are raw.text_numbers as staging reads it: every number of the text, in digits or in words,
-- with its section and table cell; printed_numbers() tokenises the literal by the same rule (corpus/text.py).
-- A mention places its literal in its section (a table cell: its row and column), as coverage does.
with numbers_at_mentions as (
    select
        m.figure_id,
        list(distinct n.literal) as literals
    from staging.stg_mentions as m
    inner join staging.stg_text_numbers as n
        on
            n.document_id = m.document_id
            and n.section = m.section
            and n.table_row is not distinct from m.table_row
            and n.table_column is not distinct from m.table_column
    where
        n.status <> 'not_found'
        and m.document_id in (select document_id from rebuilt_documents)
    group by m.figure_id
),

figures as (
    select
        o.figure_id,
        o.document_id,
        o.locator,
        o.stated_text,
        t.text_present,
        p.literals as text_numbers,
        printed_numbers(o.stated_text) as literal_numbers
    from marts.fct_observation as o
    left join staging.stg_document_texts as t on o.document_id = t.document_id
    left join numbers_at_mentions as p on o.figure_id = p.figure_id
    where o.document_id in (select document_id from rebuilt_documents)
)

-- the lists stay in SQL: a list column costs GX seconds per 100,000 rows
select
    figure_id,
    document_id,
    locator,
    stated_text,
    -- null, so not judged, when the text was not read or the literal prints no number the text reading counts
    -- ("One of them", "several million dollars"); a number in words is one ("five leagues": five)
    case
        when text_present and len(literal_numbers) > 0
            then list_has_all(coalesce(text_numbers, []), literal_numbers)
    end as printed_in_text
from figures
