{{ config(materialized='incremental', incremental_strategy='replace_documents') }}
-- Each figure as the interval of true values its printing admits (statcheck's rule): a value printed with d
-- decimals stands for +-1/2 * 10^-d of its printed unit; qualifiers widen it ("approximately": +-10%,
-- "over": open above). Monetary figures also get the interval in US$, widened by the spread between the
-- two published rate series, so claims that mix currencies compare like with like; the rates are those of the
-- year the figure is converted at (a target's: its document's publication year, int_figures_in_base_units).
-- Counts and ranks printed plainly are exact: "three enterprises" is 3, not 2.5 to 3.5. No interval reaches below
-- what its quantity can be: amounts, counts, areas, shares, multiples and ranks are never negative ("less than
-- 200 million yuan" is 0 to 200 million, not a debt), and nothing falls by more than 100%. A second, wider interval
-- reads trailing zeros as padding ("9.10%" as 9.1), which the checks report as a rounding diagnosis, never as
-- agreement.
with figures as (
    -- a measure with a unit of its own (a rank, a share) says what the value is; a level, the indicator
    select f.*, coalesce(m.unit_kind, i.unit_kind) as unit_kind
    from {{ ref('int_figures_in_base_units') }} as f
    left join {{ ref('stg_indicators') }} as i on i.indicator_code = f.indicator_code
    left join {{ ref('stg_measures') }} as m on m.measure = f.measure
    where {{ in_rebuilt_documents('f.document_id') }}
),

rates as (
    select * from {{ ref('int_fx_rates_annual') }}
),

halves as (
    select
        figures.*,
        case when unit_kind in ('count', 'rank') and decimals = 0 and scale = 0 then 0
             else {{ half_unit('decimals', 'scale') }} end as half_unit,
        -- decimals without trailing zeros ("9.10" has 1): if the zeros are padding, the printing admits more
        decimals - length(regexp_extract(stated_text, '\.[0-9]*?(0+)([^0-9]|$)', 1)) as significant_decimals,
        -- the least value the quantity can take (a figure of no known kind has none)
        case when unit_kind in ('count', 'currency', 'area', 'percent', 'ratio', 'rank') then 0
             when unit_kind = 'growth' then -100
             else '-infinity'::double end as floor_value
    from figures
),

bounded as (
    select
        *,
        case comparator
            when 'eq' then value - half_unit
            when 'approx' then value * 0.9 - half_unit
            when 'gt' then value
            when 'ge' then value
            when 'range' then value - half_unit
            else '-infinity'::double
        end as printed_low,
        case comparator
            when 'eq' then value + half_unit
            when 'approx' then value * 1.1 + half_unit
            when 'lt' then value
            when 'le' then value
            when 'range' then range_high + half_unit
            else 'infinity'::double
        end as value_high
    from halves
),

floored as (
    -- a printed value already below its floor keeps its printed interval, for the checks to see the error
    select
        *,
        case when value >= floor_value then greatest(printed_low, floor_value) else printed_low end as value_low,
        case when comparator = 'eq' and significant_decimals < decimals
             then value - {{ half_unit('significant_decimals', 'scale') }} end as padded_printed_low
    from bounded
)

select
    b.figure_id,
    b.document_id,
    b.indicator_code,
    b.measure,
    b.reference_year,
    b.comparator,
    b.printed_value,
    b.decimals,
    b.scale,
    b.stated_text,
    b.currency,
    b.unit,
    b.value,
    b.value_low,
    b.value_high,
    b.significant_decimals,
    -- the interval if the printed trailing zeros are padding (plain figures only; else the printed interval)
    case when b.padded_printed_low is null then b.value_low
         when b.value >= b.floor_value then greatest(b.padded_printed_low, b.floor_value)
         else b.padded_printed_low end as padded_low,
    case when b.comparator = 'eq' and b.significant_decimals < b.decimals
         then b.value + {{ half_unit('b.significant_decimals', 'b.scale') }} else b.value_high end
        as padded_high,
    -- US$ bounds: the lowest value at the highest rate, the highest at the lowest rate
    {{ to_usd('b.value', 'b.currency', 'r.cny_per_usd', 'r.jpy_per_usd') }} as usd_value,
    {{ to_usd('b.value_low', 'b.currency', 'greatest(r.cny_per_usd, r.cny_per_usd_fred)',
              'greatest(r.jpy_per_usd, r.jpy_per_usd_fred)') }} as usd_low,
    {{ to_usd('b.value_high', 'b.currency', 'least(r.cny_per_usd, r.cny_per_usd_fred)',
              'least(r.jpy_per_usd, r.jpy_per_usd_fred)') }} as usd_high
from floored as b
left join rates as r on r.year = b.rate_year
