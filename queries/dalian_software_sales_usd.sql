-- What did Dalian's software and information services industry sell, in US$, each year the documents
-- mention, and where was each figure printed?
select
    year,
    comparator,
    value_usd,
    stated_text,
    document_id,
    locator
from marts.figures
where entity_name = 'Dalian'
  and indicator_code = 'software_is_sales'
  and measure = 'level'
order by year;
