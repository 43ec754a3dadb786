"""Every GX suite in `expectations/` as a Dagster asset check on the asset it validates."""


import dagster as dg

from ..ingest.load import connect
from ..settings import Settings
from ..warehouse import WarehouseFiles, readable_warehouse
from .gx_suites import SuiteDefinition, load_suites, run_suite
from .report import write_result


def _build_check(suite: SuiteDefinition) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(suite.asset)),
        name=suite.name,
        description=suite.description,
        blocking=suite.blocking,
    )
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        settings = Settings.from_env()
        warehouse = readable_warehouse(WarehouseFiles.from_settings(settings), context.run.run_id)
        with connect(warehouse, read_only=True) as con:
            outcome = run_suite(suite, con)
        report = write_result(settings.data_dir / "validation", suite, outcome)
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN,
            metadata={
                **outcome.as_metadata(),
                "failures": dg.MetadataValue.json(outcome.failed),
                "report": dg.MetadataValue.path(str(report)),
                "warehouse": dg.MetadataValue.path(str(warehouse)),
            },
        )

    return _check


def build_gx_checks() -> list[dg.AssetChecksDefinition]:
    return [_build_check(suite) for suite in load_suites()]
