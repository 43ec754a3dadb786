-- claim_register: each claim of the documents this run rebuilt, its recomputed verdict beside the verdict
-- sources/discrepancy_register.csv records for it, and whether the two agree; and every register entry that names
-- no claim at all (a derived claim is no source row, so the ingest cannot check the reference).
-- A claim that does not agree also carries what a person needs to act on it (the failed row's id columns): its
-- sentence and place, the value printed and the value recomputed in the printed unit, its diagnosis.
with judged as (
    select
        claim_id,
        verdict,
        diagnosis,
        case
            when verdict <> 'consistent' and registered_verdict is null then 'unlisted discrepancy'
            when verdict = 'consistent' and registered_verdict is not null then 'listed but no longer found'
            when verdict <> registered_verdict then 'verdict changed from ' || registered_verdict
            else 'agrees'
        end as register_status
    from marts.claim_checks
    -- and the claims of other documents the run recomputed because they take inputs from those documents
    where document_id in (select document_id from rebuilt_documents)
       or claim_id in (select claim_id from ingest.int_claim_scope)
    union all
    select claim_id, null, null, 'listed but no longer found'
    from staging.stg_discrepancy_register
    where claim_id not in (select claim_id from marts.claim_checks)
),

framed as (
    -- The stated figure as a frame for another value in its printed unit: the literal around its first number
    -- (a qualifier before it such as "over" dropped), or after a number printed bare (a table cell) or spelled in
    -- words the unit words it is printed under. Money a claim compares in US$ is recomputed in US$.
    select
        c.*,
        f.stated_text,
        f.decimals,
        f.scale,
        printed_numbers(f.stated_text)[1] as number,
        instr(f.stated_text, number) as number_at,
        coalesce(
            regexp_replace(regexp_replace(f.unit_as_printed, '\s*<sup>\s*', '^', 'g'), '\s*</sup>', '', 'g'),
            case when f.unit = 'percent' then '%' else concat_ws(' ', '10^' || nullif(f.scale, 0), f.unit) end
        ) as unit_words,
        c.compared_in = 'USD' and f.currency <> 'USD' as recomputed_in_usd,
        -- the recomputed value's digits as claim_checks rounded it, and at least one more than printed
        greatest(
            coalesce(f.decimals, 0) + 1,
            length(regexp_extract(cast(c.recomputed_as_printed as varchar), '\.(\d*[1-9])', 1))
        ) as digits
    from marts.claim_checks as c
    left join marts.fct_observation as f on f.figure_id = c.stated_figure_id
    where c.claim_id in (select claim_id from judged where register_status <> 'agrees')
),

shown as (
    select
        *,
        case
            when recomputed_in_usd then 'US$ '
            when number is not null then regexp_replace(left(stated_text, number_at - 1), '^([a-z]+\s+)+', '')
            else ''
        end as before_number,
        case
            when recomputed_in_usd then
                case scale when 0 then '' when 6 then ' million' when 9 then ' billion' when 12 then ' trillion'
                           else ' × 10^' || scale end
            when number is null then coalesce(' ' || unit_words, '')
            when stated_text = number then coalesce(' (' || unit_words || ')', '')
            else substr(stated_text, number_at + length(number))
        end as after_number,
        list_transform(
            [recomputed_as_printed, recomputed_low / pow(10, scale), recomputed_high / pow(10, scale)],
            lambda x: case when x = 'infinity'::double then '∞' when x = '-infinity'::double then '-∞'
                           else format('{:,.{}f}', x, digits) end
        ) as recomputed_numbers
    from framed
)

select
    j.claim_id,
    s.statement || ' (' || s.document_id || ', ' || s.locator || ')' as statement,
    s.stated_text || case when s.stated_text = s.number then coalesce(' (' || s.unit_words || ')', '') else '' end
        as printed,
    case
        when s.recomputed_as_printed is not null then
            s.before_number || s.recomputed_numbers[1] || s.after_number
            || case when s.recomputed_numbers[2] <> s.recomputed_numbers[3]
                    then '; range ' || s.recomputed_numbers[2] || ' to ' || s.recomputed_numbers[3] else '' end
        -- a rank has no value: its explanation names the order it checked
        when starts_with(s.explanation, 'Order of') then s.explanation
        else 'not recomputed'
    end as recomputed,
    j.verdict,
    j.diagnosis,
    j.register_status
from judged as j
left join shown as s using (claim_id)
