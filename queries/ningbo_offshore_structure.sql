-- How is Ningbo's offshore service outsourcing split between ITO, BPO and KPO each year, and how much of
-- each line of business is done for foreign clients (Table 2, in US$)?
select
    year,
    service_line,
    max(value_usd) filter (where market = 'all') as all_usd,
    max(value_usd) filter (where market = 'offshore') as offshore_usd,
    round(100 * max(value_usd) filter (where market = 'offshore')
          / max(value_usd) filter (where market = 'all'), 1) as offshore_pct_of_line
from marts.fct_outsourcing_structure
where geo_id = 'ningbo'
group by year, service_line
order by year, service_line;
