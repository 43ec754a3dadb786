-- One row per figure that is known to be doubtful, with why: the claims that find it inconsistent with its inputs
-- (it is their stated figure; or it is one of parts that add up to another figure than the total they were
-- stated to make, marts.claim_checks' diagnosis 'parts add up to ...'; or, for a growth rate its levels miss by
-- a power of ten, the level that slipped), and the facts other documents state
-- differently (marts.figure_reconciliation: disagree or contradict). A figure is in a gross inconsistency when a claim on it
-- is one (a share over 100, a flipped direction, a scale slip) or when two documents' values for its fact are a
-- power of ten apart and its document is not the fact's best-ranked source (seed document_kind_priority; of equal
-- ranks, every statement). Every analysis mart and the preferred series carry these flags; the preferred series
-- never picks a figure in a gross inconsistency when another document states the same fact.
with failed as (
    select
        claim_id, stated_figure_id, verdict,
        starts_with(diagnosis, 'parts add up to ') as mislabelled,
        -- a rate printed as a percentage does not slip by ten; one of the levels it is recomputed from did
        claim_kind in ('growth', 'avg_growth') and starts_with(diagnosis, 'scale slip') as level_slipped
    from {{ ref('claim_checks') }}
    where verdict in ('inconsistent', 'gross_inconsistency')
),

slipped_levels as (
    -- of the levels, the one from the less authoritative document; of equally ranked ones, nothing says which
    -- slipped, and none is blamed (the preferred series marks a slipped point its neighbours show)
    select
        f.claim_id, f.verdict, i.figure_id,
        b.source_rank = max(b.source_rank) over claim
            and b.source_rank > min(b.source_rank) over claim as least_authoritative
    from failed as f
    join {{ ref('int_claim_inputs') }} as i on i.claim_id = f.claim_id
    join {{ ref('int_figure_statement_bounds') }} as b on b.figure_id = i.figure_id
    where f.level_slipped
    window claim as (partition by f.claim_id)
),

blamed as (
    -- the claim's stated figure, unless its parts add up to another figure of the document: then the parts are
    -- what is mislabelled, and the total they were said to make is not in doubt
    select stated_figure_id as figure_id, claim_id, verdict from failed where not mislabelled and not level_slipped
    union all
    select i.figure_id, f.claim_id, f.verdict
    from failed as f join {{ ref('int_claim_inputs') }} as i on i.claim_id = f.claim_id
    where f.mislabelled
    union all
    select figure_id, claim_id, verdict from slipped_levels where least_authoritative
),

claimed as (
    select
        figure_id,
        string_agg(claim_id, ', ' order by claim_id) as claim_ids,
        bool_or(verdict = 'gross_inconsistency') as gross_claim
    from blamed
    group by figure_id
),

statements as (
    select
        s.figure_id,
        s.reconciliation_id,
        r.is_scale_slip,
        s.source_rank > min(s.source_rank) over (partition by s.reconciliation_id)
            or min(s.source_rank) over (partition by s.reconciliation_id)
               = max(s.source_rank) over (partition by s.reconciliation_id)
            or s.source_rank is null as blamed
    from {{ ref('int_figure_statements') }} as s
    join {{ ref('figure_reconciliation') }} as r on r.reconciliation_id = s.reconciliation_id
    where r.verdict <> 'agree'
),

reconciled as (
    select
        figure_id,
        string_agg(reconciliation_id, ', ' order by reconciliation_id) as reconciliation_ids,
        bool_or(is_scale_slip and blamed) as gross_reconciliation
    from statements
    group by figure_id
)

select
    o.figure_id,
    o.document_id,
    c.claim_ids,
    r.reconciliation_ids,
    coalesce(c.gross_claim, false) or coalesce(r.gross_reconciliation, false) as in_gross_inconsistency,
    concat_ws('; ',
        case when c.claim_ids is not null then 'claims: ' || c.claim_ids end,
        case when r.reconciliation_ids is not null then 'other documents: ' || r.reconciliation_ids end
    ) as discrepancy_flags
from {{ ref('fct_observation') }} as o
left join claimed as c on c.figure_id = o.figure_id
left join reconciled as r on r.figure_id = o.figure_id
where c.figure_id is not null or r.figure_id is not null
