"""Every GX suite in `expectations/` as a Dagster asset check on the asset it validates."""

import dagster as dg

from ..resources.warehouse_resource import WarehouseResource
from ..run_worker import record_worker
from ..settings import VALIDATION_PAGE, WRITER_POOL, report_link
from .failed_rows import failed_rows_table
from .gx_suites import SuiteDefinition, failed_rows, load_suites, run_suite, validates_every_row
from .report import write_result


def _build_check(suite: SuiteDefinition) -> dg.AssetChecksDefinition:
    # A blocking suite holds back the publish step, which its failure (severity ERROR) stops. A warn-only suite
    # does not; it runs first among the steps ready (a higher priority in the one-process executor), so the
    # published validation page still has its outcome.
    @dg.asset_check(
        asset=dg.AssetKey(list(suite.asset)),
        name=suite.name,
        description=suite.description,
        blocking=suite.blocking,
        pool=WRITER_POOL,
        op_tags=None if suite.blocking else {"dagster/priority": "1"},
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        settings = warehouse.settings
        key = record_worker(context, warehouse.settings)
        table = ".".join(f'"{part}"' for part in suite.asset)
        with warehouse.reading(key) as con:
            every_row = validates_every_row(con, suite)
            outcome = run_suite(suite, con, settings.gx_batch_rows, every_row)
            rows_in_table = con.execute(f"select count(*) from {table}").fetchone()[0]
            mode = con.execute("select mode from ingest.build").fetchone()[0]
        record = write_result(
            warehouse.files.run_dir(key) / "validation", suite, outcome, context.run.run_id, mode, rows_in_table
        )
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN,
            metadata={
                "rows_validated_this_run": record["rows_validated"],
                "rows_validated_in_earlier_runs": record["rows_validated_in_earlier_runs"],
                "rows_in_table": rows_in_table,
                "build_mode": mode,
                "validated": "every row" if every_row else "the rows of the documents this run rebuilt",
                "expectations_evaluated": record["expectations_evaluated"],
                "expectations_failed": record["expectations_failed"],
                **(
                    {"failed_rows": failed_rows_table(*failed_rows(suite, outcome, settings.sources_dir))}
                    if outcome.failed
                    else {}
                ),
                "validation_page": report_link(VALIDATION_PAGE),
            },
        )

    return _check


def build_gx_checks() -> list[dg.AssetChecksDefinition]:
    return [_build_check(suite) for suite in load_suites()]
