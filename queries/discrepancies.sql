-- Where do the documents' own numbers disagree, and what did they most likely mean?
select claim_id, document_id, locator, claim_kind, stated_text, recomputed_value, verdict, diagnosis,
       registered_explanation
from marts.claim_checks
where verdict in ('inconsistent', 'gross_inconsistency')
order by document_id, claim_id;
