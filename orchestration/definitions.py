"""The Dagster code location: sources -> ingest -> dbt models -> checks -> publish -> report; one job, one nightly
schedule."""

from __future__ import annotations

import dagster as dg

from .checks.asset_checks import build_gx_checks
from .checks.coverage_check import document_coverage_check
from .dbt_models import warehouse_models
from .dbt_project import dbt_resource
from .ingest.assets import ingest_sources
from .publish import PUBLISHED_REPORT, PUBLISHED_WAREHOUSE, publish_step, report_site
from .resources.warehouse_resource import WarehouseResource
from .schedules import build_warehouse_job, nightly_build


@dg.definitions
def defs() -> dg.Definitions:
    """Built when the code location loads, so the warehouse resource names the variables its environment sets."""
    return dg.Definitions(
        assets=[ingest_sources, warehouse_models, publish_step, report_site, PUBLISHED_WAREHOUSE, PUBLISHED_REPORT],
        asset_checks=[*build_gx_checks(), document_coverage_check],
        jobs=[build_warehouse_job],
        schedules=[nightly_build],
        resources={"dbt": dbt_resource, "warehouse": WarehouseResource.from_env()},
        # every job's, the implicit asset job's too (the UI's "Materialize all"): the steps run one after another
        # anyway, in the run's one worker process, which run monitoring watches; GX and dbt are imported once
        executor=dg.in_process_executor,
    )
