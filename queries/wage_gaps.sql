-- How far apart is pay in the places the documents compare, in US$?
select indicator_code, year, lower_paid, compared_with, lower_pay_usd, compared_pay_usd, pay_ratio
from marts.wage_gaps
order by indicator_code, pay_ratio desc;
