-- In what order did the milestones of Dalian's software industry happen? A milestone dated only by decade runs
-- from year to year_high ("late 1980s": 1980 to 1989); year_high is empty when the date names its year.
select year, year_high, month, entity_name, event_kind, description
from marts.fct_event
where document_id = 'dalian_paper_2013'
order by year, month nulls first, event_id;
