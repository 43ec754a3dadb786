-- Which figures do the documents give for the firm once called "Dalian Haihui Sci-Tech Co., Ltd."?
select f.canonical_name, o.indicator_code, o.measure, o.year, o.value, o.unit, o.stated_text, o.locator
from marts.dim_firm_alias as a
join marts.dim_firm as f using (firm_id)
join marts.fct_observation as o using (firm_id)
where a.alias = 'Dalian Haihui Sci-Tech Co., Ltd.'
order by o.indicator_code, o.measure, o.year;
