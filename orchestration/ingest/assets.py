"""Ingest assets: every file in `sources/` validated, then loaded into DuckDB schema `raw`."""


import dagster as dg

from ..retries import retry_transient
from ..settings import Settings
from ..warehouse import WarehouseFiles, clean_abandoned_runs, start_working_copy
from .load import connect, file_checksums, load_all
from .source_files import SOURCES
from .validate import validate_sources

INGEST_GROUP = "ingest"


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["raw", s.name], group_name=INGEST_GROUP, description=s.description, kinds={"duckdb", "csv"})
        for s in SOURCES
    ],
    name="ingest_sources",
    can_subset=False,
)
def ingest_sources(context: dg.AssetExecutionContext):
    """Validate every source file (all problems reported at once), then load them all in one transaction
    into this run's working warehouse; the published file is only replaced by the publish step."""
    settings = Settings.from_env()
    validate_sources(settings.sources_dir, settings.documents_dir)
    if settings.documents_dir is None:
        context.log.warning("DOCUMENTS_DIR is not set: literals were not checked against the document texts")
    files = WarehouseFiles.from_settings(settings)
    for stale in clean_abandoned_runs(files, context.run.run_id):
        context.log.info(f"removed the working files of abandoned run {stale}")
    with retry_transient(context), connect(start_working_copy(files, context.run.run_id)) as con:
        counts = load_all(con, settings.sources_dir)
        for source in SOURCES:
            preview = con.execute(f"select * exclude (_source_file) from raw.{source.name} limit 5").df()
            yield dg.MaterializeResult(
                asset_key=["raw", source.name],
                metadata={
                    "dagster/row_count": counts[source.name],
                    "source_files": dg.MetadataValue.json(file_checksums(source, settings.sources_dir)),
                    "preview": dg.MetadataValue.md(preview.to_markdown(index=False)),
                    "working_warehouse": dg.MetadataValue.path(str(files.working(context.run.run_id))),
                },
            )
