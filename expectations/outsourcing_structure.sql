-- outsourcing_structure: every row of Ningbo's outsourcing structure (a whole-table mart, rebuilt by every
-- run, so validated whole), printed or derived.
select
    structure_key,
    market,
    is_derived,
    value_usd,
    value_cny,
    figure_id,
    locator
from marts.fct_outsourcing_structure
