"""One job that materializes the whole warehouse, and the nightly schedule that runs it when something changed."""

from __future__ import annotations

import dagster as dg

from .resources.warehouse_resource import WarehouseResource

NIGHTLY_CRON = "0 2 * * *"
NIGHTLY_TIMEZONE = "Asia/Shanghai"

# The same steps as "Materialize all" on the Lineage page: the executor is the code location's (definitions.py),
# and the writer limit is the concurrency pool every step is in, so neither depends on which of the two launched.
build_warehouse_job = dg.define_asset_job(
    name="build_warehouse",
    selection=dg.AssetSelection.all(),
    description="Ingest every source, build and test every dbt model, run every validation suite, publish, then "
    "regenerate the report site.",
)


@dg.schedule(
    job=build_warehouse_job,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=NIGHTLY_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Rebuild the warehouse every night at 02:00 China Standard Time, unless nothing it is built from "
    "changed since the published build (the tick then says so and starts no run).",
)
def nightly_build(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource):
    """The run's own first decision (ingest/changes.py), made at the tick: a night with nothing changed costs
    the plan (hashing the source files, reading the catalogues), not a run. Anything else, including sources the
    validation refuses, starts the run, which reports it."""
    from .ingest.validate import SourceValidationError, validate_build
    from .warehouse import WarehouseError, published_identity

    settings, files = warehouse.settings, warehouse.files
    try:
        if published_identity(files) is None:
            return dg.RunRequest()
        validation = validate_build(
            settings.sources_dir, settings.documents_dir, files.published, settings.duckdb_memory_limit
        )
    except (SourceValidationError, WarehouseError):
        return dg.RunRequest()
    with validation:
        if validation.plan.rebuilds_nothing:
            return dg.SkipReason(f"{validation.plan.reason}: {files.published} stays as it is")
    return dg.RunRequest()
