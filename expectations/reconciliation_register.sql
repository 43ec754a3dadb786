-- reconciliation_register: every fact two documents state (marts.figure_reconciliation) beside the verdict
-- sources/reconciliation_register.csv records for it, and every register entry no fact matches any longer. A
-- whole-table mart, rebuilt whenever a figure or the register changes, so validated whole. A fact that does not
-- agree with the register also carries what a person needs to act on it (the failed row's id columns): the fact,
-- each document's statement as printed and as compared (in the unit of the first statement not converted), the
-- diagnosis.
with judged as (
    select
        coalesce(r.reconciliation_id, g.reconciliation_id) as reconciliation_id,
        r.verdict,
        r.diagnosis,
        r.compared_in,
        coalesce(r.entity_name, r.entity_id) || ': ' || coalesce(i.indicator_name, r.indicator_code) || ' ('
            || r.measure || '), ' || r.period_key || '; stated by ' || r.document_ids as fact,
        case
            when r.reconciliation_id is null then 'listed but no longer found'
            when r.verdict <> 'agree' and r.registered_verdict is null then 'unlisted disagreement'
            when r.verdict = 'agree' and r.registered_verdict is not null then 'listed but no longer found'
            when r.verdict <> r.registered_verdict then 'verdict changed from ' || r.registered_verdict
            else 'agrees'
        end as register_status
    from marts.figure_reconciliation as r
    full outer join staging.stg_reconciliation_register as g using (reconciliation_id)
    left join marts.dim_indicator as i on i.indicator_code = r.indicator_code
),

statements as (
    -- each statement of a fact that failed: its interval in the currency (or unit) the fact is compared in, and
    -- its printed unit words (a bare number's table label; HTML exponents as ^)
    select
        j.reconciliation_id,
        j.compared_in,
        s.document_id || ' ' || s.figure_id as stated_by,
        s.stated_text,
        coalesce(s.currency, s.unit) as stated_in,
        stated_in <> j.compared_in as converted,
        case j.compared_in when 'USD' then s.usd_low when 'CNY' then s.cny_low else s.value_low end as low,
        case j.compared_in when 'USD' then s.usd_high when 'CNY' then s.cny_high else s.value_high end as high,
        f.scale,
        f.decimals,
        coalesce(
            regexp_replace(regexp_replace(f.unit_as_printed, '\s*<sup>\s*', '^', 'g'), '\s*</sup>', '', 'g'),
            case when f.unit = 'percent' then '%' else concat_ws(' ', '10^' || nullif(f.scale, 0), f.unit) end
        ) as unit_words,
        printed_numbers(s.stated_text)[1] as number,
        instr(s.stated_text, number) as number_at
    from judged as j
    join intermediate.int_figure_statement_bounds as s using (reconciliation_id)
    join marts.fct_observation as f using (figure_id)
    where j.register_status <> 'agrees'
),

frames as (
    -- The fact's first statement not converted as a frame for every statement's interval in its printed unit:
    -- its literal around its first number (a qualifier before it such as "over" dropped), or after a number
    -- printed bare (a table cell) or spelled in words the unit words it is printed under.
    select *
    from statements
    where not converted
    qualify row_number() over (partition by reconciliation_id order by stated_by) = 1
),

framed as (
    select
        reconciliation_id,
        case when number is not null then regexp_replace(left(stated_text, number_at - 1), '^([a-z]+\s+)+', '')
             else '' end as before_number,
        case
            when number is null then coalesce(' ' || unit_words, '')
            when stated_text = number then coalesce(' (' || unit_words || ')', '')
            else substr(stated_text, number_at + length(number))
        end as after_number,
        scale,
        coalesce(decimals, 0) + 1 as digits
    from frames
),

compared as (
    -- each statement's interval in the frame (without one, a fact no statement states unconverted: base units)
    select
        s.*,
        coalesce(m.before_number, '') as before_number,
        coalesce(m.after_number, ' ' || s.compared_in) as after_number,
        list_transform(
            [s.low / pow(10, coalesce(m.scale, 0)), s.high / pow(10, coalesce(m.scale, 0))],
            lambda x: case when x = 'infinity'::double then '∞' when x = '-infinity'::double then '-∞'
                           else format('{:,.{}f}', x, coalesce(m.digits, 0)) end
        ) as shown
    from statements as s
    left join framed as m using (reconciliation_id)
),

described as (
    select
        reconciliation_id,
        string_agg(
            stated_by || ': ' || stated_text
            || case when stated_text = number then coalesce(' (' || unit_words || ')', '') else '' end,
            '; ' order by stated_by
        ) as printed,
        string_agg(
            stated_by || ': ' || before_number || shown[1]
            || case when shown[2] <> shown[1] then ' to ' || shown[2] else '' end
            || after_number || case when converted then ' (from ' || stated_in || ')' else '' end,
            '; ' order by stated_by
        ) as recomputed
    from compared
    group by reconciliation_id
)

select
    j.reconciliation_id,
    j.fact as statement,
    d.printed,
    d.recomputed,
    j.verdict,
    j.diagnosis,
    j.register_status
from judged as j
left join described as d using (reconciliation_id)
