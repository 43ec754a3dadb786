-- In what order did the milestones of Dalian's software industry happen?
select year, month, entity_name, event_kind, description
from marts.fct_event
where document_id = 'dalian_paper_2013'
order by year, month nulls first, event_id;
