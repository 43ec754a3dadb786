"""One job that materializes the whole warehouse, and the nightly schedule that runs it."""

from __future__ import annotations

import dagster as dg

NIGHTLY_CRON = "0 2 * * *"
NIGHTLY_TIMEZONE = "Asia/Shanghai"

# Runs tagged as warehouse writers queue behind each other (see orchestration/dagster.yaml); each run also
# builds in its own working file and publishes under a lock, so even unqueued runs cannot corrupt each other.
WRITER_TAG = {"warehouse": "writer"}

build_warehouse_job = dg.define_asset_job(
    name="build_warehouse",
    selection=dg.AssetSelection.all(),
    description="Ingest every source, build and test every dbt model, run every validation suite, then publish.",
    tags=WRITER_TAG,
    # one process: the steps run one after another anyway, and GX and dbt are imported once, not per step
    executor_def=dg.in_process_executor,
)

nightly_build = dg.ScheduleDefinition(
    name="nightly_build",
    job=build_warehouse_job,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=NIGHTLY_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Rebuild the warehouse every night at 02:00 China Standard Time.",
)
