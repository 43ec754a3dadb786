-- figure_consistency: each figure a claim of the documents this run rebuilt checks (the printed side of a
-- growth, share, sum, ... whose inputs determine it), and whether every such claim finds it consistent.
select
    stated_figure_id as figure_id,
    document_id,
    bool_and(verdict = 'consistent') as consistent,
    string_agg(claim_id, ', ' order by claim_id) filter (where verdict <> 'consistent') as claims_not_consistent
from marts.claim_checks
where
    verdict <> 'unverifiable'
    and document_id in (select document_id from rebuilt_documents)
group by stated_figure_id, document_id
