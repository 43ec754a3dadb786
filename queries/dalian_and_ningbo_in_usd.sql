-- Dalian's software and information services industry and Ningbo's service outsourcing side by side in US$:
-- how large is each city's industry, and how much of it is sold abroad, in the years the documents give?
select
    concept,
    city,
    year,
    comparator,
    round(value_usd / 1e6, 1) as usd_million,
    indicator_name,
    stated_text,
    document_id
from marts.city_outsourcing_comparison
order by concept, year, city;
