{{ config(materialized='incremental', incremental_strategy='replace_claims') }}
{#- the strategy deletes the rows of the run's documents too: declare that source -#}
{%- set run_scope = rebuilt_documents() -%}
-- One row per claim: the printed value against the value recomputed from the claim's inputs, both as
-- intervals (printed rounding, qualifiers, exchange-rate spread), with a verdict and a diagnosis.
-- The claims recomputed are int_claim_scope's: the run's documents' claims, and other documents' claims that
-- take inputs from them.
with claims as (
    select * from {{ ref('int_claims') }}
    where {{ in_claim_scope() }}
),

operands as (
    select * from {{ ref('int_claim_operands') }}
    where {{ in_claim_scope() }}
),

stated as (
    select * from {{ ref('int_figure_intervals') }}
),

collected as (
    select
        claim_id,
        count(*) as operand_count,
        bool_and(members_found = member_count) as all_found,
        list(struct_pack(position, value, value_low, value_high, usd_value, usd_low, usd_high, low_open, printed)
             order by position) as ops,
        count(distinct currency) filter (where currency is not null) as operand_currencies,
        min(first_year) as operand_first_year,
        max(last_year) as operand_last_year,
        min(currency) as operand_currency
    from operands
    group by claim_id
),

framed as (
    select
        c.claim_id,
        c.document_id,
        {{ locator('c.section', 'c.paragraph', 'c.table_row', 'c.table_column') }} as locator,
        c.claim_kind,
        c.relation,
        c.statement,
        c.claim_origin,
        c.identity_id,
        c.stated_figure_id,
        c.input_figure_ids,
        s.stated_text,
        s.comparator as stated_comparator,
        coalesce(k.all_found, false) and s.figure_id is not null as inputs_found,
        coalesce(k.operand_count, 0) as operand_count,
        k.ops,
        -- money in more than one currency is compared in US$, with the rate spread in the intervals
        c.claim_kind = 'fx_share'
            or coalesce(k.operand_currencies, 0) > 1
            or (s.currency is not null and k.operand_currency is not null and s.currency <> k.operand_currency)
            as in_usd,
        -- ratios and shares compare to the stated figure as printed; totals in the operands' currency
        in_usd and c.claim_kind in ('same_total', 'bound', 'sum') as stated_in_usd,
        s.value as s_value,
        s.printed_value as s_printed_value,
        s.decimals as s_decimals,
        s.scale as s_scale,
        s.value_low as s_low,
        s.value_high as s_high,
        s.padded_low as s_padded_low,
        s.padded_high as s_padded_high,
        s.reference_year as stated_year,
        k.operand_first_year,
        k.operand_last_year,
        s.usd_value as s_usd_value,
        s.usd_low as s_usd_low,
        s.usd_high as s_usd_high,
        s.unit as stated_unit
    from claims as c
    left join stated as s on s.figure_id = c.stated_figure_id
    left join collected as k on k.claim_id = c.claim_id
),

operand_values as (
    -- operand 1 and 2 in the claim's comparison currency, and the sum of all operands
    select
        *,
        case when in_usd then ops[1].usd_value else ops[1].value end as a,
        case when in_usd then ops[1].usd_low else ops[1].value_low end as a_lo,
        case when in_usd then ops[1].usd_high else ops[1].value_high end as a_hi,
        case when in_usd then ops[2].usd_value else ops[2].value end as b,
        case when in_usd then ops[2].usd_low else ops[2].value_low end as b_lo,
        case when in_usd then ops[2].usd_high else ops[2].value_high end as b_hi,
        list_sum(list_transform(ops, lambda o: case when in_usd then o.usd_value else o.value end)) as total,
        list_sum(list_transform(ops, lambda o: case when in_usd then o.usd_low else o.value_low end)) as total_lo,
        list_sum(list_transform(ops, lambda o: case when in_usd then o.usd_high else o.value_high end)) as total_hi,
        case when stated_in_usd then s_usd_value else s_value end as st,
        case when stated_in_usd then s_usd_low else s_low end as st_lo,
        case when stated_in_usd then s_usd_high else s_high end as st_hi,
        case when stated_in_usd then s_usd_low else s_padded_low end as st_pad_lo,
        case when stated_in_usd then s_usd_high else s_padded_high end as st_pad_hi
    from framed
),

recomputed as (
    select
        *,
        -- the years an average annual growth compounds over: from its first operand's year to its last's
        operand_last_year - operand_first_year as span_years,
        {{ recomputed_claim('') }} as rec,
        {{ recomputed_claim('_lo') }} as rec_lo,
        {{ recomputed_claim('_hi') }} as rec_hi,
        -- a rank holds when each operand can be at least the next (documents list the largest first)
        case when claim_kind = 'rank' then
            list_bool_and(list_transform(range(1, len(ops)), lambda i:
                case when in_usd then ops[i].usd_high >= ops[i + 1].usd_low
                     else ops[i].value_high >= ops[i + 1].value_low end))
        end as rank_holds
    from operand_values
),

opened as (
    -- Ends that bound nothing: an infinite one; a ratio's at its formula's floor (growth of -100%, a share or
    -- a multiple of 0); a level's or a sum's low end reached only through figures printed "less than" (the
    -- quantity's floor, int_claim_operands.low_open); the stated figure's low end when it is printed so.
    select
        *,
        case
            when claim_kind in ('growth', 'avg_growth') then rec_lo <= -100
            when claim_kind in ('share', 'fx_share', 'multiple') then rec_lo <= 0
            when claim_kind = 'sum' then rec_lo = '-infinity'::double
                or list_bool_and(list_transform(ops, lambda o: coalesce(o.low_open, false)))
            else rec_lo = '-infinity'::double or coalesce(ops[1].low_open, false)
        end as rec_lo_open,
        rec_hi = 'infinity'::double as rec_hi_open,
        st_lo = '-infinity'::double or coalesce(stated_comparator in ('lt', 'le'), false) as st_lo_open,
        st_hi = 'infinity'::double as st_hi_open,
        -- the recomputed value's unit, for the diagnosis that names one of its ends
        case when claim_kind in ('growth', 'avg_growth', 'share', 'fx_share') then '%'
             when in_usd then ' US$' else '' end as unit_mark
    from recomputed
),

judged as (
    select
        *,
        rec_lo <= st_hi and rec_hi >= st_lo as intervals_meet,
        claim_kind = 'multiple' and rec_lo - 1 <= st_hi and rec_hi - 1 >= st_lo as meets_as_increase,
        rec_lo <= st_pad_hi and rec_hi >= st_pad_lo as meets_if_padded,
        claim_kind = 'same_total' and stated_year is distinct from operand_first_year as period_differs,
        case
            when not inputs_found then false
            when relation in ('part_only', 'denominator_only', 'no_base') then false
            when claim_kind in ('growth', 'avg_growth', 'share', 'fx_share', 'multiple') and operand_count < 2 then false
            -- a base of 0 is none; an operand printed "less than" reaches down to 0 (its ratio is then unbounded
            -- on that side, which the checks below see), never below
            when claim_kind in ('growth', 'avg_growth', 'share', 'fx_share', 'multiple')
                and (a <= 0 or b <= 0 or a_lo < 0 or b_lo < 0) then false
            when claim_kind = 'avg_growth' and coalesce(span_years, 0) <= 0 then false
            when claim_kind = 'from_to' and relation not in ('gt', 'lt') then false
            when claim_kind = 'rank' and operand_count < 2 then false
            when claim_kind not in ('rank') and rec is null then false
            else true
        end as verifiable,
        case when rec is not null and rec > 0 and st > 0 then log10(st / rec) end as log_ratio,
        -- a factor near a power of ten other than 1: a slipped scale. Against another year's figure (magnitude)
        -- growth blurs the factor, so a power of ten within a factor of ~1.8 counts.
        {{ scale_slip('log_ratio', "case when claim_kind = 'magnitude' then 0.25 else 0.1 end") }} as scale_slip,
        -- An open end (a figure printed "over" or "less than") can make a check pass whatever value the stated
        -- figure has: a ratio of two "over" figures spans 0 to infinity, an "exceeded" figure is above any other.
        -- A check whose deciding sides are all open cannot fail, and confirms nothing.
        case
            when claim_kind = 'magnitude' then false
            when claim_kind = 'rank' then
                list_bool_and(list_transform(range(1, len(ops)), lambda i:
                    coalesce(ops[i + 1].low_open, false)
                    or case when in_usd then ops[i].usd_high = 'infinity'::double
                                             or ops[i + 1].usd_low = '-infinity'::double
                            else ops[i].value_high = 'infinity'::double
                                 or ops[i + 1].value_low = '-infinity'::double end))
            when claim_kind in ('bound', 'from_to') and relation = 'lt' then st_lo_open or rec_hi_open
            when claim_kind in ('bound', 'from_to') or (claim_kind = 'sum' and relation = 'of_which') then
                st_hi_open or rec_lo_open
            else (st_hi_open or rec_lo_open) and (st_lo_open or rec_hi_open)
        end as cannot_fail,
        -- an inequality that cannot fail is still confirmed when it holds at every value the printing admits
        case
            when claim_kind = 'rank' then
                list_bool_and(list_transform(range(1, len(ops)), lambda i:
                    case when in_usd then ops[i].usd_low >= ops[i + 1].usd_high
                         else ops[i].value_low >= ops[i + 1].value_high end))
            when claim_kind in ('bound', 'from_to') and relation = 'lt' then st_hi <= rec_lo
            when claim_kind in ('bound', 'from_to') or (claim_kind = 'sum' and relation = 'of_which') then st_lo >= rec_hi
        end as holds_throughout
    from opened
),

verdicts as (
    select
        *,
        case
            when not verifiable then 'unverifiable'
            -- "from X to Y": X is the earlier figure
            when claim_kind = 'from_to' and stated_year <= operand_last_year then 'inconsistent'
            when cannot_fail then case when holds_throughout then 'consistent' else 'unverifiable' end
            when claim_kind = 'rank' then case when rank_holds then 'consistent' else 'inconsistent' end
            when claim_kind = 'bound' and relation = 'lt' then
                case when st_lo < rec_hi then 'consistent' else 'inconsistent' end
            -- "rose from X to Y" (gt) or "fell" (lt) with an end the other side of the start: the change is flipped
            when claim_kind = 'from_to' and relation = 'lt' then
                case when st_lo < rec_hi then 'consistent' else 'gross_inconsistency' end
            when claim_kind = 'from_to' then
                case when st_hi > rec_lo then 'consistent' else 'gross_inconsistency' end
            when claim_kind = 'bound' then
                case when st_hi > rec_lo then 'consistent' else 'inconsistent' end
            when claim_kind = 'sum' and relation = 'of_which' then
                case when rec_lo <= st_hi then 'consistent' else 'gross_inconsistency' end
            when claim_kind = 'magnitude' then
                case when abs(log_ratio) < 0.5 then 'consistent'
                     when scale_slip then 'gross_inconsistency'
                     else 'inconsistent' end
            when claim_kind = 'same_total' and intervals_meet and period_differs then 'inconsistent'
            when intervals_meet or meets_as_increase then 'consistent'
            when claim_kind in ('share', 'fx_share') and (st > 100 or rec_lo > 100) then 'gross_inconsistency'
            when claim_kind in ('growth', 'avg_growth') and sign(st) <> sign(rec) and st <> 0 and rec <> 0
                then 'gross_inconsistency'
            when scale_slip then 'gross_inconsistency'
            else 'inconsistent'
        end as verdict
    from judged
),

sum_matches as (
    -- a sum of parts that fails: another figure of the claim's document the parts do add up to (same unit; in
    -- US$ when the claim compares in US$), printed plainly enough to be matched (finite interval)
    select
        v.claim_id,
        string_agg(i.figure_id || ' (' || i.stated_text || ')', ', ' order by i.figure_id) as matched
    from verdicts as v
    join {{ ref('int_figure_intervals') }} as i
        on i.document_id = v.document_id
        and i.figure_id <> v.stated_figure_id
        and not exists (
            select 1 from {{ ref('int_claim_inputs') }} as n where n.claim_id = v.claim_id and n.figure_id = i.figure_id
        )
        and case when v.in_usd then i.currency is not null and i.usd_low <= v.rec_hi and i.usd_high >= v.rec_lo
                 else i.unit = v.stated_unit and i.value_low <= v.rec_hi and i.value_high >= v.rec_lo end
        and isfinite(i.value_low) and isfinite(i.value_high)
    where v.claim_kind = 'sum' and coalesce(v.relation, 'eq') = 'eq' and v.verdict <> 'consistent' and v.verifiable
    group by v.claim_id
)

select
    claim_id,
    document_id,
    locator,
    claim_kind,
    relation,
    statement,
    stated_figure_id,
    input_figure_ids,
    stated_text,
    cast(s_value as double) as stated_value,
    stated_unit,
    stated_comparator,
    case when claim_kind = 'multiple' and not intervals_meet and meets_as_increase then rec - 1 else rec end
        as recomputed_value,
    case when claim_kind = 'multiple' and not intervals_meet and meets_as_increase then rec_lo - 1 else rec_lo end
        as recomputed_low,
    case when claim_kind = 'multiple' and not intervals_meet and meets_as_increase then rec_hi - 1 else rec_hi end
        as recomputed_high,
    -- for reading beside the printed value: in its printed units, one digit more than it was printed with
    -- (DuckDB reads the alias defined above)
    {{ as_printed_precision('recomputed_value / pow(10, s_scale)', 's_printed_value', 's_decimals', extra=1) }}
        as recomputed_as_printed,
    case when in_usd then 'USD' end as compared_in,
    verdict,
    case
        when not verifiable then
            case when not inputs_found then 'missing input' else 'inputs do not determine the claim' end
        when cannot_fail and verdict = 'unverifiable' then 'open bounds: the check cannot fail'
            || case when claim_kind <> 'rank' then
                ' (printed ' || printf('%.4g', st_lo) || ' to ' || printf('%.4g', st_hi)
                || ', recomputed ' || printf('%.4g', rec_lo) || ' to ' || printf('%.4g', rec_hi) || ')' else '' end
        when cannot_fail then 'holds at every value the printing admits'
        when claim_kind = 'multiple' and intervals_meet then 'times read as a ratio'
        when claim_kind = 'multiple' and meets_as_increase then 'times read as an increase (ratio - 1)'
        when verdict = 'consistent' and claim_kind = 'bound' then 'bound holds'
        when verdict = 'consistent' and claim_kind = 'from_to' then 'direction holds'
        when verdict = 'consistent' and claim_kind = 'rank' then 'order holds'
        when verdict = 'consistent' and relation = 'of_which' then 'parts within the whole'
        when verdict = 'consistent' and claim_kind = 'magnitude' then 'same order of magnitude'
        -- agreement a recomputed open end gave: only its other end was checked, and that is what is proven
        when verdict = 'consistent' and rec_hi_open then
            'at least ' || printf('%.4g', rec_lo) || unit_mark || ': consistent with ' || stated_text
        when verdict = 'consistent' and rec_lo_open then
            'at most ' || printf('%.4g', rec_hi) || unit_mark || ': consistent with ' || stated_text
        -- a stated "over" or "less than" that every recomputed value meets holds; rounding explains nothing
        when verdict = 'consistent' and (st_hi_open and rec_lo >= st_lo or st_lo_open and rec_hi <= st_hi)
            then 'bound holds'
        when verdict = 'consistent' then 'within rounding'
        when claim_kind = 'same_total' and intervals_meet and period_differs then
            'same value dated to different years (' || stated_year || ' vs ' || operand_first_year || ')'
        when claim_kind = 'from_to' and verdict = 'inconsistent' then 'the start is not before the end'
        when meets_if_padded then 'rounding: agrees only if the printed trailing zeros are padding'
        when sm.matched is not null then 'parts add up to ' || sm.matched
        when scale_slip then 'scale slip of ~10^' || cast(round(log_ratio) as integer)
        when claim_kind in ('share', 'fx_share') and (st > 100 or rec_lo > 100) then 'share over 100'
        when claim_kind = 'sum' and relation = 'of_which' then 'parts exceed the whole'
        when claim_kind in ('growth', 'avg_growth') and sign(st) <> sign(rec) then 'direction of change flipped'
        when claim_kind = 'from_to' then 'direction of change flipped'
        when claim_kind = 'rank' then 'order does not hold'
        when claim_kind = 'bound' then 'bound does not hold'
        else 'beyond rounding'
    end as diagnosis,
    case
        when not verifiable then 'Cannot recompute: ' || statement
        when claim_kind = 'rank' then 'Order of ' || array_to_string(list_transform(ops, lambda o: o.printed), ', ')
            || case when verdict = 'unverifiable' then ' cannot fail: open bounds.'
                    when rank_holds then ' holds.' else ' does not hold.' end
        else 'Printed ' || stated_text || '; recomputed ' || printf('%.4g', rec) || ' ('
            || printf('%.4g', rec_lo) || ' to ' || printf('%.4g', rec_hi) || ') from '
            || array_to_string(list_transform(ops, lambda o: o.printed), '; ')
            || case when in_usd then ' in US$' else '' end || '.'
    end as explanation,
    r.registered_verdict,
    r.registered_diagnosis,
    r.registered_explanation,
    claim_origin,
    identity_id,
    -- the inputs as a list, in operand order (int_claim_inputs), for readers who should not parse "a;b+c"
    (
        select list(n.figure_id order by n.position, n.figure_id)
        from {{ ref('int_claim_inputs') }} as n where n.claim_id = verdicts.claim_id
    ) as input_figures
from verdicts
left join sum_matches as sm using (claim_id)
left join {{ ref('stg_discrepancy_register') }} as r using (claim_id)
