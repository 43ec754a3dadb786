-- reconciliation_register: every fact two documents state (marts.figure_reconciliation) beside the verdict
-- sources/reconciliation_register.csv records for it, and every register entry no fact matches any longer. A
-- whole-table mart, rebuilt whenever a figure or the register changes, so validated whole.
select
    coalesce(r.reconciliation_id, g.reconciliation_id) as reconciliation_id,
    r.verdict,
    g.registered_verdict,
    case
        when r.reconciliation_id is null then 'listed but no longer found'
        when r.verdict <> 'agree' and r.registered_verdict is null then 'unlisted disagreement'
        when r.verdict = 'agree' and r.registered_verdict is not null then 'listed but no longer found'
        when r.verdict <> r.registered_verdict then 'verdict changed from ' || r.registered_verdict
        else 'agrees'
    end as register_status
from marts.figure_reconciliation as r
full outer join staging.stg_reconciliation_register as g using (reconciliation_id)
