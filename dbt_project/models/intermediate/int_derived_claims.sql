-- The claims the catalogue implies (sources/identities.csv), in the shape of a written claim: every figure an
-- identity covers, from any document, checked against the figures the identity relates it to.
--   sum        a whole's statement = the sum of its parts (claim_kind sum)
--   part_of    a whole's statement >= a part (sum, of_which); the part's entity is the whole's own or its child
--   share      a share_pct statement = its part's level over the whole's level (share)
--   growth     a growth_pct statement for year t = level(t) / level(t-1) - 1; over a span, end over start
--   avg_growth an avg_annual_growth_pct statement over a span = compound growth of its end levels
--   multiple   a multiple statement over a span = level(end) / level(start)
-- Every statement of the checked figure is checked; each other input is its fact's preferred statement
-- (macros/statement_preference.sql, without the gross-inconsistency step, which these checks feed), and the
-- claim's statement names which document it came from and how many state the fact. The claim id is stable
-- (<identity>_<checked figure>, and for a part its child place or its place in the identity's parts), so the
-- discrepancy register can name it.
-- int_claims leaves out a derived claim a written claim already makes.
with statements as (
    select
        b.reconciliation_id,
        b.entity_type,
        b.entity_id,
        b.indicator_code,
        b.measure,
        b.period_key,
        b.figure_id,
        b.document_id,
        b.source_rank,
        b.publication_year,
        p.pin_reason,
        (b.value_high - b.value_low) / nullif(abs(b.value), 0) as relative_width,
        g.parent_geo_id as parent_entity_id,
        -- the periods of the levels a growth rate or multiple follows from: the year before and the year, or a
        -- span's ends (its key is "start-end")
        case when b.period_kind = 'span' then split_part(b.period_key, '-', 1) else cast(b.year - 1 as varchar) end
            as start_key,
        case when b.period_kind = 'span' then split_part(b.period_key, '-', 2) else cast(b.year as varchar) end
            as end_key,
        case
            when b.measure = 'growth_pct' and b.period_kind in ('year', 'span') then 'growth'
            when b.measure = 'avg_annual_growth_pct' and b.period_kind = 'span' then 'avg_growth'
            when b.measure = 'multiple' and b.period_kind = 'span' then 'multiple'
        end as change_rule
    from {{ ref('int_figure_statement_bounds') }} as b
    left join {{ ref('stg_preferred_figures') }} as p on p.figure_id = b.figure_id
    left join {{ ref('stg_geography') }} as g on b.entity_type = 'geography' and g.geo_id = b.entity_id
),

preferred as (
    -- each level fact's preferred statement
    select *, count(*) over fact as statements_of_fact
    from statements
    where measure = 'level'
    window fact as (partition by reconciliation_id)
    qualify row_number() over (fact order by {{ statement_preference() }}) = 1
),

identities as (
    select *, count(*) over (partition by identity_id) as part_count from {{ ref('stg_identities') }}
),

sums as (
    -- every part present: one claim per statement of the whole
    select
        i.identity_id,
        'sum' as claim_kind,
        'eq' as relation,
        w.figure_id as stated_figure_id,
        string_agg(p.figure_id, ';' order by i.part_position) as input_figure_ids,
        string_agg({{ input_named('p') }}, '; ' order by i.part_position) as inputs_named,
        '' as claim_key
    from statements as w
    join identities as i on i.rule = 'sum' and i.whole_indicator = w.indicator_code
    left join preferred as p
        on p.entity_type = w.entity_type and p.entity_id = w.entity_id
        and p.indicator_code = i.part_indicator and p.period_key = w.period_key
    where w.measure = 'level'
    group by i.identity_id, w.figure_id
    having count(p.figure_id) = count(*)
),

parts as (
    select
        i.identity_id,
        'sum' as claim_kind,
        'of_which' as relation,
        w.figure_id as stated_figure_id,
        p.figure_id as input_figure_ids,
        {{ input_named('p') }} as inputs_named,
        -- a whole has one such check per part: its child place, or its place in part_indicators
        case when i.whole_entity = 'parent' then '_' || p.entity_id
             when i.part_count > 1 then '_' || i.part_position else '' end as claim_key
    from preferred as p
    join identities as i on i.rule = 'part_of' and i.part_indicator = p.indicator_code
    join statements as w
        on w.measure = 'level' and w.indicator_code = i.whole_indicator and w.period_key = p.period_key
        and w.entity_type = p.entity_type
        and w.entity_id = case i.whole_entity when 'same' then p.entity_id else p.parent_entity_id end
    where p.figure_id <> w.figure_id
),

shares as (
    select
        i.identity_id,
        'share' as claim_kind,
        'eq' as relation,
        s.figure_id as stated_figure_id,
        p.figure_id || ';' || w.figure_id as input_figure_ids,
        {{ input_named('p') }} || '; ' || {{ input_named('w') }} as inputs_named,
        '' as claim_key
    from statements as s
    join identities as i on i.rule = 'share' and i.part_indicator = s.indicator_code
    join preferred as p
        on p.entity_type = s.entity_type and p.entity_id = s.entity_id
        and p.indicator_code = s.indicator_code and p.period_key = s.period_key
    join preferred as w
        on w.entity_type = s.entity_type and w.indicator_code = i.whole_indicator and w.period_key = s.period_key
        and w.entity_id = case i.whole_entity when 'same' then s.entity_id else s.parent_entity_id end
    where s.measure = 'share_pct'
),

changes as (
    -- growth, compound growth and multiples: the levels at the ends of the figure's period
    select
        i.identity_id,
        s.change_rule as claim_kind,
        'eq' as relation,
        s.figure_id as stated_figure_id,
        case when s.measure = 'multiple' then e.figure_id || ';' || b.figure_id
             else b.figure_id || ';' || e.figure_id end as input_figure_ids,
        {{ input_named('b') }} || '; ' || {{ input_named('e') }} as inputs_named,
        '' as claim_key
    from statements as s
    join identities as i on i.rule = s.change_rule and i.part_indicator in ('*', s.indicator_code)
    join preferred as b
        on b.entity_type = s.entity_type and b.entity_id = s.entity_id and b.indicator_code = s.indicator_code
        and b.period_key = s.start_key
    join preferred as e
        on e.entity_type = s.entity_type and e.entity_id = s.entity_id and e.indicator_code = s.indicator_code
        and e.period_key = s.end_key
),

derived as (
    select * from sums
    union all select * from parts
    union all select * from shares
    union all select * from changes
)

select
    d.identity_id || '_' || d.stated_figure_id || d.claim_key as claim_id,
    f.document_id,
    f.section,
    f.paragraph,
    f.table_row,
    f.table_column,
    d.claim_kind,
    d.stated_figure_id,
    d.input_figure_ids,
    d.relation,
    i.description || ' Derived (' || d.identity_id || '): ' || f.indicator_code || ' ' || f.stated_text || ' ('
        || d.stated_figure_id || ') from ' || d.inputs_named || '.' as statement,
    'derived' as claim_origin,
    d.identity_id
from derived as d
join {{ ref('stg_figures') }} as f on f.figure_id = d.stated_figure_id
join (select distinct identity_id, description from identities) as i on i.identity_id = d.identity_id
