"""The last step of every build: swap the run's checked working file in as the published warehouse."""

import dagster as dg

from .dbt_models import warehouse_models
from .retries import retry_transient
from .warehouse import WarehouseFiles, publish

MART_KEYS = [key for key in warehouse_models.keys if key.path[0] == "marts"]


@dg.asset(
    key=["published", "warehouse"],
    deps=MART_KEYS,
    group_name="publish",
    kinds={"duckdb"},
    description="The published DuckDB file SQL users open. Replaced atomically, and only after every blocking "
    "check of this run passed; the previous warehouse is kept in history/.",
)
def published_warehouse(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    files = WarehouseFiles.from_settings()
    with retry_transient(context):
        outcome = publish(files, context.run.run_id)
    context.log.info(f"published {files.published} (snapshot {outcome['snapshot']})")
    return dg.MaterializeResult(
        metadata={
            "published_file": dg.MetadataValue.path(str(files.published)),
            "snapshot": dg.MetadataValue.path(outcome["snapshot"]),
            "published_at": outcome["published_at"],
            "pruned_snapshots": dg.MetadataValue.json(outcome["pruned"]),
            "size_bytes": files.published.stat().st_size,
        }
    )
