-- claim_register: each claim of the documents this run rebuilt, its recomputed verdict beside the verdict
-- sources/discrepancy_register.csv records for it, and whether the two agree. Every register entry names an
-- existing claim (the ingest checks the reference), so a claim-side join sees every entry of these documents.
select
    claim_id,
    document_id,
    verdict,
    registered_verdict,
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
