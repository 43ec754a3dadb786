-- One row per document: how many numbers its text prints and how each is accounted for (recorded: a figure's
-- mention, an event's date, a figure's unit label or period; ignored: listed in sources/not_figures with a
-- reason). A number accounted for only by rows still marked draft is unaccounted until they are reviewed
-- (waiting_review counts those). A document whose text was not read has null counts and says why in coverage_note.
with counted as (
    select
        document_id,
        count(*) filter (where status <> 'not_found') as numbers_in_text,
        count(*) filter (where status in ('figure', 'event', 'unit', 'period')) as recorded,
        count(*) filter (where status = 'ignored') as ignored,
        count(*) filter (where status in ('unaccounted', 'draft')) as unaccounted,
        count(*) filter (where status = 'draft') as waiting_review,
        count(*) filter (where status = 'not_found') as literals_not_found
    from {{ ref('stg_text_numbers') }}
    group by document_id
)
select
    d.document_id,
    coalesce(t.file_name, d.file_name) as file_name,
    coalesce(t.text_present, false) as text_present,
    case when t.text_present then coalesce(c.numbers_in_text, 0) end as numbers_in_text,
    case when t.text_present then coalesce(c.recorded, 0) end as recorded,
    case when t.text_present then coalesce(c.ignored, 0) end as ignored,
    case when t.text_present then coalesce(c.unaccounted, 0) end as unaccounted,
    case when t.text_present then coalesce(c.waiting_review, 0) end as waiting_review,
    case when t.text_present then coalesce(c.literals_not_found, 0) end as literals_not_found,
    case
        when not t.text_present or t.text_present is null then null
        when coalesce(c.numbers_in_text, 0) = 0 then cast(100 as double)
        else round(100.0 * (c.recorded + c.ignored) / c.numbers_in_text, 2)
    end as coverage_pct,
    case
        when t.text_present then null
        else coalesce(t.reason, 'the text was not read')
    end as coverage_note
from {{ ref('stg_documents') }} as d
left join {{ ref('stg_document_texts') }} as t using (document_id)
left join counted as c using (document_id)
