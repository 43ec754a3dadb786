-- One row per figure that is known to be doubtful, with why: the claims that find it inconsistent with its inputs
-- (it is their stated figure; or it is one of parts that add up to another figure than the total they were
-- stated to make, marts.claim_checks' diagnosis 'parts add up to ...'), and the facts other documents state
-- differently (marts.figure_reconciliation: disagree or contradict). A figure is in a gross inconsistency when a claim on it
-- is one (a share over 100, a flipped direction, a scale slip) or when two documents' values for its fact are a
-- power of ten apart and its document is not the fact's best-ranked source (seed document_kind_priority; of equal
-- ranks, every statement). Every analysis mart and the preferred series carry these flags; the preferred series
-- never picks a figure in a gross inconsistency when another document states the same fact.
with failed as (
    select claim_id, stated_figure_id, input_figure_ids, verdict, starts_with(diagnosis, 'parts add up to ') as mislabelled
    from {{ ref('claim_checks') }}
    where verdict in ('inconsistent', 'gross_inconsistency')
),

blamed as (
    -- the claim's stated figure, unless its parts add up to another figure of the document: then the parts are
    -- what is mislabelled, and the total they were said to make is not in doubt
    select stated_figure_id as figure_id, claim_id, verdict from failed where not mislabelled
    union all
    select unnest({{ claim_input_figures('input_figure_ids') }}), claim_id, verdict
    from failed where mislabelled
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
