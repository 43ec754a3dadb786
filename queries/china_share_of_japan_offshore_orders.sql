-- What share of Japan's offshore development orders went to China, by year?
select year, total_as_printed, to_china_as_printed, china_share_pct
from marts.japan_offshore_orders
order by year;
