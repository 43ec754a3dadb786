"""The last steps of every build: swap the run's checked working file in as the published warehouse, make the
validation page describe what was published, then regenerate the report site from it."""

import shutil

import dagster as dg

from .checks.report import publish_results, stage_results
from .dbt_models import MART_KEYS
from .resources.warehouse_resource import WarehouseResource
from .retries import retry_transient
from .run_worker import record_worker
from .settings import OWNERS, VALIDATION_PAGE, WRITER_POOL, Settings, report_link
from .warehouse import publish


@dg.asset(
    key=["published", "warehouse"],
    deps=MART_KEYS,
    group_name="publish",
    kinds={"duckdb"},
    owners=OWNERS,
    pool=WRITER_POOL,
    description="The published DuckDB file SQL users open. Replaced atomically, only after every blocking check "
    "of this run passed, and only if no other run published since this one started; every published state is "
    "kept in history/.",
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = warehouse.settings
    key = record_worker(context, warehouse.settings)
    files = warehouse.files
    with warehouse.reading(key) as con:
        mode, reason = con.execute("select mode, reason from ingest.build").fetchone()
    staged = stage_results(files.run_dir(key) / "validation", settings.validation_dir, key)
    try:
        with retry_transient(context):
            outcome = publish(files, key, settings.history)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    page = publish_results(
        settings.validation_dir,
        staged,
        {
            "warehouse": str(files.published),
            "published_at": outcome["published_at"],
            "run_id": context.run.run_id,
            "root_run_id": key,
            "mode": mode,
            "reason": reason,
            "texts": settings.documents_note,
            "snapshot": outcome["snapshot"],
            "sha256": outcome["sha256"],
        },
    )
    for dead in outcome["removed_dead_runs"]:
        context.log.info(f"removed the working files of run {dead}, which can no longer publish")
    context.log.info(f"published {files.published} (snapshot {outcome['snapshot']}); validation page {page}")
    return dg.MaterializeResult(
        metadata={
            "published_file": dg.MetadataValue.path(str(files.published)),
            "snapshot": dg.MetadataValue.path(outcome["snapshot"]),
            "published_at": outcome["published_at"],
            "build_mode": mode,
            "sha256": outcome["sha256"],
            "pruned_snapshots": dg.MetadataValue.json(outcome["pruned"]),
            "size_bytes": files.published.stat().st_size,
            "validation_page": report_link(VALIDATION_PAGE),
            "report_page": report_link("index.html"),
        }
    )


@dg.asset(
    key=["published", "report"],
    deps=[published_warehouse],
    group_name="publish",
    kinds={"html"},
    owners=OWNERS,
    pool=WRITER_POOL,
    description="The report site (DATA_DIR/report): an overview, every document's text with its figures "
    "highlighted, a chart of every series, the discrepancy register. Static and offline, read from the published "
    "warehouse and swapped in whole.",
)
def published_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from .report.site import build_report  # plotly and the templates load in the step that draws, not with the code

    settings = warehouse.settings
    site = build_report(settings)
    context.log.info(
        f"report site of {settings.warehouse_path}: {site.index} ({site.pages} pages"
        + ("" if site.full else "; the overview alone: too many figures for a full report")
        + ")"
    )
    return dg.MaterializeResult(
        metadata={
            "index": report_link("index.html"),
            "validation_page": report_link(VALIDATION_PAGE),
            "pages": site.pages,
            "document_pages": site.documents,
            "series_pages": site.series,
            "full_report": site.full,
        }
    )


def report_outdated(settings: Settings) -> str | None:
    """Why the report site does not show the published warehouse, or None when it does. The site is written from
    the published file after the file's last write, so a site older than it (or none) was not made from it: the
    report step failed or its worker died after the swap, or a snapshot was restored since."""
    try:
        published = settings.warehouse_path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    index = settings.report_dir / "index.html"
    if not index.is_file():
        return f"{index} does not exist"
    if index.stat().st_mtime_ns < published:
        return f"{index} is older than {settings.warehouse_path}"
    return None


def refresh_report(settings: Settings) -> str | None:
    """Regenerate the report site when it does not show the published warehouse; why it did not, or None when it
    did already (and was left as it is)."""
    outdated = report_outdated(settings)
    if outdated is not None:
        from .report.site import build_report

        build_report(settings)
    return outdated
