-- Where do the documents' own numbers disagree? One line per claim, sized for a terminal: the printed literal,
-- the value recomputed from the claim's inputs in the same printed units, the verdict and its diagnosis.
-- A claim in full: select statement, explanation, registered_explanation from marts.claim_checks
--                  where claim_id = 'ningbo_c009';
select
    c.claim_id,
    f.stated_text as printed,
    c.recomputed_as_printed as recomputed,
    c.verdict,
    case when length(c.diagnosis) > 30 then left(c.diagnosis, 29) || '…' else c.diagnosis end as diagnosis
from marts.claim_checks as c
left join marts.figures as f on f.figure_id = c.stated_figure_id
where c.verdict in ('inconsistent', 'gross_inconsistency')
order by c.document_id, c.claim_id;
