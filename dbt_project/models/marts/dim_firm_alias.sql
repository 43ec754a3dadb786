-- Bridge from any name a firm was known by to the firm: the curated aliases (with their years), plus the
-- catalogue's canonical and short names where the aliases do not already list them.
with listed as (
    select firm_id, alias, alias_kind, valid_from_year, valid_to_year, document_id
    from {{ ref('stg_firm_aliases') }}
),

catalogue_names as (
    select firm_id, canonical_name as alias, 'canonical_name' as alias_kind from {{ ref('stg_firms') }}
    union all
    select firm_id, short_name, 'short_name' from {{ ref('stg_firms') }} where short_name <> canonical_name
)

select * from listed

union all

select n.firm_id, n.alias, n.alias_kind, null, null, null
from catalogue_names as n
where not exists (select 1 from listed as l where l.firm_id = n.firm_id and l.alias = n.alias)
