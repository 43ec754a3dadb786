{{ config(materialized='view') }}
-- The clean series for SQL users: one value per entity, indicator, measure and year (facts dated to one whole
-- year: no span, half-year or quarter), actual values only (marts.preferred_figures leaves targets out), the
-- preferred figure of marts.preferred_figures with its source, how many documents state the fact and how
-- many of them agree, and the discrepancy flags of the figure used. Values at the precision they were printed
-- with, the literal without markup (marts.figures' rules); the exact values beside them.
--
-- Each point also carries what the series says about it, whichever documents state its points:
-- * `implied_growth_pct`: the average annual growth from the previous stated point, ((value / previous) ^ (1 /
--   years between) - 1) x 100, money compared in yuan (each point at its own year's rate). Only for levels and
--   shares (a growth of a growth rate, a multiple or a rank says nothing), and only between two exact or
--   approximate positive values: a bound ("over 200 million") has no value to grow from.
-- * `plausibility_flag` 'possible scale slip ×10^k' and its evidence, on a point whose change is near a power of
--   ten beyond what the series' own growth allows (SDMX-style validation the documents never state). The rule,
--   on the series' exact or approximate positive points (lg: log10 of the value, in yuan for money):
--   1. the series' own typical annual change g, for a tested point: the median of the per-year log10 changes
--      between consecutive points, leaving out the pair(s) touching the tested point (the slip itself must not
--      set what is typical); 0 when fewer than two pairs remain (one other pair is one other document's
--      change, not a typical one: 2.0 billion in 2000 to 53.5 billion in 2010 and 16.6% in 2011 is no slip);
--   2. the point's residual against a neighbour: lg(point) - lg(neighbour) - g x (years between);
--   3. slipped by 10^k, k = round(residual against its previous neighbour) (its next one for the first point),
--      when that residual is within 0.3 of k, k <> 0, and the residual against its next neighbour, if it has
--      both, is within 0.3 of the same k (ten times its predecessor and ten times its successor);
--   4. an end point (one neighbour) only when that neighbour is not itself flagged and either the series has at
--      least 3 points or the point's document ranks lower than the neighbour's (another document, ordered as
--      marts.preferred_figures orders statements, macros/statement_preference.sql: a pinned figure, the more
--      authoritative source, the most precise, the most recent, the figure id): between
--      two points alone, of one document or equally ranked, nothing says which slipped, and a flag must land
--      on the slipped value, not on the value it was compared with;
--   5. related indicators (sources/identities.csv rule `comparable`, contracts signed against contracts
--      executed: one order of magnitude in one entity and year): a level whose ratio to the related
--      indicator's same-year level is within 0.3 of 10^k, |k| >= 1, is flagged when the related point is not
--      flagged by its own series, and either its own series confirms the related point (a neighbour within 0.3
--      of 0) but not this one, or neither or both are confirmed and this point's document ranks lower. A point
--      both rules flag carries one flag, k from its series, and both evidences.
with series as (
    select
        p.entity_name,
        p.entity_type,
        p.entity_id,
        p.indicator_code,
        p.indicator_name,
        p.measure,
        p.year,
        p.comparator,
        p.value,
        p.unit,
        p.currency,
        p.value_cny,
        p.value_usd,
        p.stated_text,
        p.document_id,
        p.document_title,
        p.source_class,
        p.locator,
        p.figure_id,
        p.chosen_by,
        p.pin_reason,
        p.document_count,
        p.agreeing_documents,
        p.reconciliation_verdict,
        p.discrepancy_flags,
        o.printed_value,
        o.decimals,
        {{ plain_text('p.stated_text') }} as plain_stated_text,
        b.source_rank,
        b.publication_year,
        (b.value_high - b.value_low) / nullif(abs(b.value), 0) as relative_width,
        case when p.currency is null then p.value else p.value_cny end as compared_value
    from {{ ref('preferred_figures') }} as p
    join {{ ref('fct_observation') }} as o on o.figure_id = p.figure_id
    left join {{ ref('int_figure_statement_bounds') }} as b on b.figure_id = p.figure_id
    where p.period_kind = 'year'
),

growth as (
    select
        *,
        -- which of two points' documents ranks lower: the order marts.preferred_figures chooses statements by
        row_number() over (order by {{ statement_preference() }}) as preference,
        lag(year) over series_by_year as previous_year,
        round(
            (power(tested_value / lag(tested_value) over series_by_year, 1.0 / (year - lag(year) over series_by_year))
             - 1) * 100,
            2
        ) as implied_growth_pct
    from (
        select
            *,
            case when comparator in ('eq', 'approx') and measure in ('level', 'share_pct') and compared_value > 0
                 then compared_value end as tested_value
        from series
    )
    window series_by_year as (partition by entity_type, entity_id, indicator_code, measure order by year)
),

-- the points the rule tests, each with its neighbours; the pair of consecutive points ending at position j joins
-- points j - 1 and j, so the pairs touching point i end at i and i + 1
points as (
    select
        entity_type,
        entity_id,
        indicator_code,
        measure,
        year,
        figure_id,
        document_id,
        plain_stated_text,
        currency,
        preference,
        log10(tested_value) as lg,
        row_number() over series_by_year as position,
        count(*) over (partition by entity_type, entity_id, indicator_code, measure) as point_count,
        lag(year) over series_by_year as prev_year,
        log10(lag(tested_value) over series_by_year) as prev_lg,
        lag(plain_stated_text) over series_by_year as prev_text,
        lag(document_id) over series_by_year as prev_document,
        lag(currency) over series_by_year as prev_currency,
        lead(year) over series_by_year as next_year,
        log10(lead(tested_value) over series_by_year) as next_lg,
        lead(plain_stated_text) over series_by_year as next_text,
        lead(document_id) over series_by_year as next_document,
        lead(currency) over series_by_year as next_currency
    from growth
    where tested_value is not null
    window series_by_year as (partition by entity_type, entity_id, indicator_code, measure order by year)
),

changes as (
    select
        entity_type,
        entity_id,
        indicator_code,
        measure,
        list(struct_pack(position := position, change := (lg - prev_lg) / (year - prev_year)))
            filter (where prev_lg is not null) as changes
    from points
    group by all
),

residuals as (
    select
        *,
        len(others) as other_pairs,
        case when len(others) >= 2 then list_aggregate(others, 'median') else 0 end as g,
        lg - prev_lg - g * (year - prev_year) as prev_residual,
        lg - next_lg - g * (year - next_year) as next_residual
    from (
        select
            p.*,
            list_transform(
                list_filter(c.changes, lambda q: q.position not in (p.position, p.position + 1)), lambda q: q.change
            ) as others
        from points as p
        join changes as c using (entity_type, entity_id, indicator_code, measure)
    )
),

shapes as (
    select
        *,
        prev_residual is not null and next_residual is not null as interior,
        coalesce(
            {{ scale_slip('coalesce(prev_residual, next_residual)', 0.3) }}
            and (prev_residual is null or next_residual is null
                 or abs(next_residual - round(prev_residual)) < 0.3),
            false
        ) as slipped_shape,
        cast(round(coalesce(prev_residual, next_residual)) as integer) as series_k,
        coalesce(abs(prev_residual) < 0.3, false) or coalesce(abs(next_residual) < 0.3, false) as confirmed
    from residuals
),

series_flags as (
    select
        s.*,
        case
            when s.interior then s.slipped_shape
            else s.slipped_shape
                 and not coalesce(nb.interior and nb.slipped_shape, false)
                 and (s.point_count >= 3 or (s.document_id <> nb.document_id and s.preference > nb.preference))
        end as series_slip
    from shapes as s
    left join shapes as nb
        on nb.entity_type = s.entity_type and nb.entity_id = s.entity_id and nb.indicator_code = s.indicator_code
       and nb.measure = s.measure
       and nb.position = case when s.prev_residual is null then s.position + 1 else s.position - 1 end
),

comparable as (
    select identity_id, whole_indicator as indicator_code, part_indicator as related_indicator
    from {{ ref('stg_identities') }}
    where rule = 'comparable' and whole_entity = 'same'
    union all
    select identity_id, part_indicator, whole_indicator
    from {{ ref('stg_identities') }}
    where rule = 'comparable' and whole_entity = 'same'
),

related_flags as (
    select
        t.figure_id,
        min(cast(round(t.lg - q.lg) as integer)) as related_k,
        string_agg(
            printf('%.3g', power(10, t.lg - q.lg)) || ' times ' || q.indicator_code || ' of the same year, '
            || q.plain_stated_text || ' (' || q.document_id || '), which identity ' || c.identity_id
            || ' puts in the same order of magnitude; '
            || case when q.confirmed and not t.confirmed then 'its own series confirms that figure and not this one'
                    else 'this document ranks below ' || q.document_id end,
            '; ' order by q.indicator_code
        ) as related_evidence
    from series_flags as t
    join comparable as c on c.indicator_code = t.indicator_code
    join series_flags as q
        on q.entity_type = t.entity_type and q.entity_id = t.entity_id and q.indicator_code = c.related_indicator
       and q.measure = t.measure and q.year = t.year
    where t.measure = 'level'
      and {{ scale_slip('t.lg - q.lg', 0.3) }}
      and not q.series_slip
      and ((q.confirmed and not t.confirmed)
           or (q.confirmed = t.confirmed and t.document_id <> q.document_id and t.preference > q.preference))
    group by t.figure_id
),

flags as (
    select
        s.figure_id,
        case when s.series_slip then s.series_k else r.related_k end as k,
        case when s.series_slip then
            concat_ws(
                ' and ',
                printf('%.3g', power(10, s.lg - s.prev_lg)) || ' times ' || s.prev_year || '''s ' || s.prev_text
                || ' (' || s.prev_document || ')',
                printf('%.3g', power(10, s.lg - s.next_lg)) || ' times ' || s.next_year || '''s ' || s.next_text
                || ' (' || s.next_document || ')'
            )
            || case when s.currency <> coalesce(s.prev_currency, s.currency)
                      or s.currency <> coalesce(s.next_currency, s.currency) then ', compared in yuan' else '' end
            || case when s.other_pairs >= 2
                    then '; the series otherwise changes ' || printf('%+.1f%%', (power(10, s.g) - 1) * 100)
                         || ' a year (the median of its ' || s.other_pairs || ' other consecutive changes)'
                    else '; the series has too few other years to show its own growth (none assumed)' end
            || ': about 10^' || s.series_k || ' beyond it'
            || case when not s.interior and s.point_count < 3
                    then '; ' || s.document_id || ' ranks below ' || coalesce(s.prev_document, s.next_document)
                    else '' end
        end as series_evidence,
        r.related_evidence
    from series_flags as s
    left join related_flags as r on r.figure_id = s.figure_id
    where s.series_slip or r.figure_id is not null
)

select
    g.entity_name,
    g.entity_type,
    g.entity_id,
    g.indicator_code,
    g.indicator_name,
    g.measure,
    g.year,
    g.comparator,
    {{ as_printed_precision('g.value', 'g.printed_value', 'g.decimals') }} as value,
    g.unit,
    g.currency,
    {{ as_printed_precision('g.value_cny', 'g.printed_value', 'g.decimals') }} as value_cny,
    {{ as_printed_precision('g.value_usd', 'g.printed_value', 'g.decimals') }} as value_usd,
    g.plain_stated_text as stated_text,
    g.stated_text as stated_text_as_printed,
    g.document_id,
    g.document_title,
    g.source_class,
    g.locator,
    g.figure_id,
    g.chosen_by,
    g.document_count,
    g.agreeing_documents,
    g.reconciliation_verdict,
    g.discrepancy_flags,
    g.previous_year,
    g.implied_growth_pct,
    'possible scale slip ×10^' || f.k as plausibility_flag,
    nullif(concat_ws('; ', f.series_evidence, f.related_evidence), '') as plausibility_evidence,
    g.value as value_exact,
    g.value_cny as value_cny_exact,
    g.value_usd as value_usd_exact
from growth as g
left join flags as f on f.figure_id = g.figure_id
